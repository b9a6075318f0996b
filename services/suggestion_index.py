"""The text index behind alignment suggestions (pure: texts in, ranked rows out; no database).

Method (docs/suggestions.md): every competency is a document made of blocks, each block an
L2-normalised TF-IDF vector placed side by side in one sparse matrix:

- ``statement``: character n-grams (``char_wb``) of the competency statement. Works on
  Chinese without a word segmenter (n-grams of 1–3 characters are the words and their parts)
  and on English (word pieces match "install" / "installation").
- ``words``: word tokens of the statement: Latin words and numbers (PLC, S7-1200, MoveJ) and
  CJK character bigrams.
- ``context``: character n-grams of the competency's task and area (工作任务 / 工作领域).
- ``accepted`` / ``rejected``: character n-grams of the unit and objective texts people
  accepted or rejected for this competency (learning from decisions).

A query is turned into the same blocks, each multiplied by its weight (``rejected`` negative),
so one sparse product gives ``Σ weight × cosine`` for every competency. Matched terms (for
highlighting) are the parts of a statement that share informative n-grams or words with the
query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

BLOCKS = ("statement", "words", "context", "accepted", "rejected")


@dataclass(frozen=True)
class Weights:
    """How much each block counts; tuned on the tuning split only (bench/suggest_eval.py)."""

    statement: float = 1.0
    words: float = 0.5
    context: float = 0.3
    accepted: float = 0.6
    rejected: float = 0.6
    ngram_range: tuple[int, int] = (1, 3)
    # query weights raised to this power (then the block weight): > 1 lets rare, telling terms dominate
    query_power: float = 1.0

    def signed(self) -> dict[str, float]:
        """Weight per block as used in the product (``rejected`` counts against)."""
        return {"statement": self.statement, "words": self.words, "context": self.context,
                "accepted": self.accepted, "rejected": -self.rejected}


DEFAULT_WEIGHTS = Weights()
# English: the grid point bench/suggest_eval.py picks on the ESCO tuning split (it warns if they drift apart).
ENGLISH_WEIGHTS = Weights(words=0.5, ngram_range=(3, 5), query_power=1.5)
# Chinese: fixed a priori (no Chinese tuning data): 1–3 characters cover Chinese words and their parts.
CHINESE_WEIGHTS = Weights(words=0.5, ngram_range=(1, 3), query_power=1.0)


def weights_for(language: str | None) -> Weights:
    """The weights for a programme's language (``zh`` or anything else: English settings)."""
    return CHINESE_WEIGHTS if (language or "zh").lower().startswith("zh") else ENGLISH_WEIGHTS

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# anything that is not a letter, digit or CJK character separates words
_SEPARATOR = re.compile(rf"[^0-9a-z{_CJK}\u00c0-\u024f]+")
# one pass: a CJK bigram (overlapping, by look-ahead), a CJK character standing alone, or a Latin word
_WORD_PARTS = re.compile(rf"(?=([{_CJK}]{{2}}))[{_CJK}]|(?<![{_CJK}])([{_CJK}])(?![{_CJK}])|([0-9a-z\u00c0-\u024f]+)")
_LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+(?:[-.][0-9a-z]+)*")
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"able", "use", "using", "ensure", "related", "etc"}
# share of documents above which a character bigram is too common to count as a matched term
COMMON_BIGRAM_SHARE = 0.2


def prepare(text: str | None) -> str:
    """Matching form of a text: NFKC (full-width → half-width), lower case, punctuation → space."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return _SEPARATOR.sub(" ", folded).strip()


def _stem(word: str) -> str:
    # a light, language-free stem: "installation" ~ "installs" ~ "installing" share "insta"
    return word[:5] if len(word) > 5 else word


def word_tokens(prepared: str) -> list[str]:
    """Word tokens of a prepared text: stemmed Latin words (stop words dropped) and CJK bigrams
    (a CJK character standing alone counts as itself)."""
    out: list[str] = []
    for bigram, single, word in _WORD_PARTS.findall(prepared):
        if bigram:
            out.append(bigram)
        elif single:
            out.append(single)
        elif word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
            out.append(_stem(word))
    return out


def _identity(value: str) -> str:
    return value


def char_vectorizer(ngram_range: tuple[int, int] = (1, 3)) -> TfidfVectorizer:
    """The character n-gram TF-IDF used for statements, context and decision evidence."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, preprocessor=_identity,
                           sublinear_tf=True, dtype=np.float32)


def word_vectorizer() -> TfidfVectorizer:
    """The word-token TF-IDF (see ``word_tokens``)."""
    return TfidfVectorizer(analyzer=word_tokens, sublinear_tf=True, dtype=np.float32)


@dataclass
class Document:
    """One candidate: a competency (or, for the reverse direction, a unit or objective)."""

    id: int
    code: str
    statement: str
    context: str = ""
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hit:
    row: int
    score: float
    parts: dict[str, float]


class SuggestionIndex:
    """Blocks of every document in one CSC matrix; ``rank`` scores a query against all of them."""

    def __init__(self, documents: Sequence[Document], *, weights: Weights = DEFAULT_WEIGHTS,
                 fingerprint: Any = None) -> None:
        self.documents = list(documents)
        self.weights = weights
        self.fingerprint = fingerprint
        self.ids = np.array([d.id for d in self.documents], dtype=np.int64)
        self.row_of = {d.id: i for i, d in enumerate(self.documents)}
        statements = [prepare(d.statement) for d in self.documents]
        self.prepared = statements
        self.char = char_vectorizer(weights.ngram_range)
        self.words = word_vectorizer()
        n = len(self.documents)
        if n == 0 or not any(statements):
            self.matrix = sparse.csc_matrix((n, 0), dtype=np.float32)
            self.offsets = {b: -1 for b in BLOCKS}
            self._common = frozenset()
            self._bounds = []
            self.empty = True
            return
        self.empty = False
        statement_block = self.char.fit_transform(statements)
        try:
            word_block = self.words.fit_transform(statements)
        except ValueError:  # no word token at all (e.g. statements of single letters)
            self.words = None
            word_block = sparse.csr_matrix((n, 0), dtype=np.float32)
        blocks = {"statement": statement_block, "words": word_block}
        for name, texts in (("context", [d.context for d in self.documents]),
                            ("accepted", [" ".join(d.accepted) for d in self.documents]),
                            ("rejected", [" ".join(d.rejected) for d in self.documents])):
            # the optional blocks reuse the statement vocabulary, so the query is vectorised once;
            # many documents share a context (their task) or have none: each distinct text once
            distinct, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
            prepared = [prepare(t) for t in distinct]
            blocks[name] = self.char.transform(prepared)[inverse] if any(prepared) else None
        self.offsets, parts, width = {}, [], 0
        for name in BLOCKS:
            block = blocks[name]
            self.offsets[name] = width
            if block is not None:
                parts.append(block)
                width += block.shape[1]
            else:
                self.offsets[name] = -1
        self.matrix = sparse.hstack(parts, format="csc", dtype=np.float32)
        self._statement_block = statement_block
        self._common: frozenset[str] | None = None
        self._bounds = sorted((off, name) for name, off in self.offsets.items() if off >= 0)

    @property
    def common_bigrams(self) -> frozenset[str]:
        """Bigrams found in many statements (能够, 完成): they say little about a match (computed once)."""
        if self._common is None:
            df = np.bincount(self._statement_block.indices, minlength=self._statement_block.shape[1])
            limit = max(2, COMMON_BIGRAM_SHARE * len(self.documents))
            self._common = frozenset(g for g, j in self.char.vocabulary_.items() if len(g) == 2 and df[j] > limit)
        return self._common

    def __len__(self) -> int:
        return len(self.documents)

    def query_vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of the weighted query over every block."""
        prepared = prepare(text)
        if self.empty or not prepared:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        signed = self.weights.signed()
        power = self.weights.query_power
        q_char = self.char.transform([prepared])
        if power != 1.0:
            q_char.data **= power
        columns, values = [], []
        for name in ("statement", "context", "accepted", "rejected"):
            if self.offsets[name] >= 0 and signed[name]:
                columns.append(q_char.indices + self.offsets[name])
                values.append(q_char.data * signed[name])
        if self.words is not None and signed["words"]:
            q_words = self.words.transform([prepared])
            if power != 1.0:
                q_words.data **= power
            columns.append(q_words.indices + self.offsets["words"])
            values.append(q_words.data * signed["words"])
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(columns), np.concatenate(values).astype(np.float32)

    def _block_scores(self, text: str) -> dict[str, np.ndarray]:
        """Per block, every document's weighted cosine with ``text`` (only the query's columns are read)."""
        columns, values = self.query_vector(text)
        out: dict[str, np.ndarray] = {}
        if columns.size == 0:
            return out
        edges = [off for off, _ in self._bounds[1:]] + [self.matrix.shape[1]]
        for (start, name), end in zip(self._bounds, edges, strict=True):
            mask = (columns >= start) & (columns < end)
            if mask.any():
                out[name] = np.asarray(self.matrix[:, columns[mask]] @ values[mask]).ravel()
        return out

    def scores(self, text: str) -> np.ndarray:
        """Score of every document for ``text`` (``Σ weight × cosine``), in document order."""
        total = np.zeros(len(self.documents), dtype=np.float32)
        for block in self._block_scores(text).values():
            total += block
        return total

    def rank(self, text: str, *, top: int = 10, exclude: Iterable[int] = (), min_score: float = 1e-6) -> list[Hit]:
        """The ``top`` best documents for ``text`` (ids in ``exclude`` left out), best first; each hit
        carries the contribution of every block (the 'why' beside the matched terms)."""
        blocks = self._block_scores(text)
        scores = np.zeros(len(self.documents), dtype=np.float32)
        for block in blocks.values():
            scores += block
        if exclude:
            rows = [self.row_of[i] for i in exclude if i in self.row_of]
            scores[rows] = -np.inf
        top = max(0, min(top, len(scores)))
        if top == 0:
            return []
        candidates = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
        # ties broken by document order (the caller passes documents in outline-code order)
        ordered = sorted(candidates.tolist(), key=lambda r: (-scores[r], r))
        return [Hit(row=row, score=float(scores[row]),
                    parts={name: round(float(block[row]), 4) for name, block in blocks.items()})
                for row in ordered if scores[row] > min_score]

    def matched(self, text: str, row: int) -> list[str]:
        """Terms of document ``row``'s statement that the query shares (statement order, no repeats)."""
        return matched_terms(text, self.documents[row].statement, common_bigrams=self.common_bigrams)


def matched_terms(query: str, statement: str, *, common_bigrams: frozenset[str] = frozenset()) -> list[str]:
    """Substrings of ``statement`` (as written) that share words or character bigrams with ``query``.

    CJK: runs of characters covered by bigrams the query also contains (too common bigrams
    such as 能够 are ignored). Latin: whole words whose light stem the query also contains,
    stop words left out.
    """
    folded = unicodedata.normalize("NFKC", statement or "").lower()
    # positions map back onto the statement only when folding kept its length (almost always)
    source = statement if len(folded) == len(statement or "") else folded
    q = prepare(query)
    q_bigrams = {q[i:i + 2] for i in range(len(q) - 1) if _CJK_RE.match(q[i]) and _CJK_RE.match(q[i + 1])}
    q_stems = {_stem(w) for w in _LATIN_WORD.findall(q) if w not in STOP_WORDS}
    marked = [False] * len(folded)
    # a run of shared bigrams counts when at least one of them is informative (so 工业机器人 stays
    # whole, while a lone 能够 or 完成 is not a match)
    telling = [False] * len(folded)
    for i in range(len(folded) - 1):
        gram = folded[i:i + 2]
        if gram in q_bigrams:
            marked[i] = marked[i + 1] = True
            if gram not in common_bigrams:
                telling[i] = telling[i + 1] = True
    for match in _LATIN_WORD.finditer(folded):
        word = match.group(0)
        if word not in STOP_WORDS and _stem(word) in q_stems and (len(word) > 1 or word.isdigit()):
            for i in range(match.start(), match.end()):
                marked[i] = telling[i] = True
    terms, start = [], None
    for i, flag in enumerate([*marked, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if any(telling[start:i]):
                terms.append(source[start:i])
            start = None
    return list(dict.fromkeys(t for t in terms if t.strip()))


def highlight_spans(statement: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """``statement`` cut into (piece, is_match) parts for the matched ``terms`` (for safe rendering)."""
    text = statement or ""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):
        folded = text.lower()
    marked = [False] * len(text)
    for term in terms:
        needle = unicodedata.normalize("NFKC", term).lower()
        if not needle:
            continue
        start = folded.find(needle)
        while start >= 0:
            for i in range(start, min(start + len(needle), len(text))):
                marked[i] = True
            start = folded.find(needle, start + len(needle))
    pieces: list[tuple[str, bool]] = []
    for i, ch in enumerate(text):
        if pieces and pieces[-1][1] == marked[i]:
            pieces[-1] = (pieces[-1][0] + ch, marked[i])
        else:
            pieces.append((ch, marked[i]))
    return pieces
