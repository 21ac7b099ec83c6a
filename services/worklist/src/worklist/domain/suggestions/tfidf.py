"""An incremental TF-IDF index with cosine nearest neighbours, in pure Python.

Pure Python rather than scikit-learn: a dossier learns one booking at a time from events, which
scikit-learn's vectorisers cannot do without refitting, and a dossier's history (thousands of
lines) is small enough that a dictionary per line is fast. IDF is the smoothed form
(log((1 + n) / (1 + df)) + 1); a document's norm is taken with the IDF of when it was last
normalised, and every norm is refreshed when the index has grown by a tenth since."""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

REFRESH_GROWTH = 1.1


class TfidfIndex:
    def __init__(self, *, candidate_tokens: Callable[[str], bool], postings_limit: int = 200):
        """`candidate_tokens` says which tokens bring candidates (the selective ones: words,
        counterparty); the others only add to the score of candidates found so. Each token
        brings at most its `postings_limit` most recent documents."""
        self._is_candidate_token = candidate_tokens
        self._postings_limit = postings_limit
        self._docs: list[Counter[str]] = []
        self._norms: list[float] = []
        self._df: Counter[str] = Counter()
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._normalised_at = 0

    def __len__(self) -> int:
        return len(self._docs)

    def idf(self, token: str) -> float:
        return math.log((1 + len(self._docs)) / (1 + self._df[token])) + 1

    def add(self, tokens: Iterable[str]) -> int:
        counts = Counter(tokens)
        doc_id = len(self._docs)
        self._docs.append(counts)
        for token in counts:
            self._df[token] += 1
            self._postings[token].append(doc_id)
        self._norms.append(self._norm(counts))
        if len(self._docs) > self._normalised_at * REFRESH_GROWTH:
            self._norms = [self._norm(doc) for doc in self._docs]
            self._normalised_at = len(self._docs)
        return doc_id

    def nearest(self, tokens: Iterable[str], k: int) -> list[tuple[int, float]]:
        """Up to k (document, cosine similarity) pairs, most similar first; among equals the
        most recent document first."""
        query = Counter(tokens)
        idf = {token: self.idf(token) for token in query}
        weights = {token: count * idf[token] for token, count in query.items()}
        query_norm = math.sqrt(sum(weight * weight for weight in weights.values()))
        if not query_norm:
            return []
        # The query's weight times the IDF once more: the document's side of the product.
        both = {token: weight * idf[token] for token, weight in weights.items()}
        candidates: set[int] = set()
        for token in query:
            if self._is_candidate_token(token):
                candidates.update(self._postings.get(token, ())[-self._postings_limit :])
        scored = []
        for doc_id in candidates:
            doc = self._docs[doc_id]
            dot = sum(weight * doc[token] for token, weight in both.items() if token in doc)
            scored.append((round(dot / (query_norm * self._norms[doc_id]), 6), doc_id))
        scored.sort(reverse=True)
        return [(doc_id, similarity) for similarity, doc_id in scored[:k]]

    def _norm(self, counts: Counter[str]) -> float:
        return (
            math.sqrt(sum((count * self.idf(token)) ** 2 for token, count in counts.items())) or 1.0
        )
