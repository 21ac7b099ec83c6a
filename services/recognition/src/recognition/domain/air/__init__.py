"""AIR, the template-free text extractor, by field family.

`core` holds what every family shares: the page's structure (`Document`: cells, blocks,
label hits, where a label's value may be) and the candidate/scoring helpers. Each field
family finds its candidates and scores them in one module:

* `parties`       supplier and customer names (labelled blocks, sender lines, registration
                  blocks, the window address, the prominent name);
* `identifiers`   document type, invoice number, VAT numbers, IBANs, currency;
* `dates`         issue and due date (labels, payment sentences, payment terms, letters);
* `amounts`       totals, the VAT breakdown per rate and the item lines;
* `references`    BIC and payment reference (structured OGM/RF or after a label).

`recognition.domain.extraction` assembles them, scores them jointly and calibrates the
confidences.
"""
