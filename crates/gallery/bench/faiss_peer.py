"""FAISS flat search on the vectors the Rust bench wrote, on one core (issue 15 peer).

Usage: faiss_peer.py BASE.f32 QUERIES.f32 DIM
Prints one "key value" per line: per-query latency in ms for IndexFlatL2 and IndexFlatIP, one
query at a time and as one batch, and the top-1 ids (for the Rust side to compare).
"""
import sys
import time

import faiss
import numpy as np

faiss.omp_set_num_threads(1)
base_path, query_path, dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = np.fromfile(base_path, dtype=np.float32).reshape(-1, dim)
queries = np.fromfile(query_path, dtype=np.float32).reshape(-1, dim)
print("faiss_version", faiss.__version__)
print("n", base.shape[0])

for name, index in (("l2", faiss.IndexFlatL2(dim)), ("ip", faiss.IndexFlatIP(dim))):
    index.add(base)
    index.search(queries[:1], 1)  # warm-up
    started = time.perf_counter()
    top1 = []
    for q in queries:
        _, ids = index.search(q.reshape(1, dim), 1)
        top1.append(int(ids[0, 0]))
    one = (time.perf_counter() - started) / len(queries)
    started = time.perf_counter()
    _, ids = index.search(queries, 1)
    batch = (time.perf_counter() - started) / len(queries)
    print(f"{name}_single_ms {one * 1e3:.4f}")
    print(f"{name}_batch_ms {batch * 1e3:.4f}")
    if name == "l2":
        print("l2_top1", ",".join(str(i) for i in top1))
    del index

# The closest peer to our int8 variants: FAISS's 8-bit scalar quantiser, its candidates re-ranked
# on the f32 vectors (k_factor 32, as our re-rank of 32).
quantiser = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit)
index = faiss.IndexRefineFlat(quantiser)
index.k_factor = 32
index.train(base)
index.add(base)
index.search(queries[:1], 1)
started = time.perf_counter()
top1 = []
for q in queries:
    _, ids = index.search(q.reshape(1, dim), 1)
    top1.append(int(ids[0, 0]))
print(f"sq8_refine_single_ms {(time.perf_counter() - started) / len(queries) * 1e3:.4f}")
print("sq8_refine_top1", ",".join(str(i) for i in top1))
