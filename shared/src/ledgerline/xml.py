"""Safe XML parsing, the one way every service reads XML: no entity resolution, no DTD loading,
no network, libxml2's size limits kept (huge_tree off)."""

import threading

from lxml import etree

_parsers = threading.local()


def safe_parser() -> etree.XMLParser:
    """This thread's parser. Comments and processing instructions are dropped so a comment inside
    an element cannot split its `.text`. lxml parsers must not be shared between threads."""
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _parsers.parser = parser
    return parser
