"""Shortest paths over a routing graph: the one home of the Dijkstra searches.

Every search of the package runs over the symmetric matrix of a
:class:`.network.accessibility.RoutingGraph` (each edge stored both ways, weights in metres) and
goes through this module:

- :func:`nearest_source`: every node's distance to the nearest of many sources and which one it
  is (one multi-source pass; the accessibility of a category);
- :func:`distances_from`: the distances from a few sources to every node, optionally up to a
  limit (the counts within radii, the toets of a list of sites);
- :func:`routes_from`: the same with the predecessors, to draw the routes (the toets map);
- :func:`bounded_distances`: one source and a short limit, in plain Python (a single toets, where
  importing :mod:`scipy.sparse.csgraph` costs more than the search).

The first three are :func:`scipy.sparse.csgraph.dijkstra`, undirected; beyond ``limit`` a
distance is ``inf``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix


def nearest_source(matrix: csr_matrix, sources: np.ndarray | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every node's distance to the nearest of ``sources``, and which source that is.

    Parameters
    ----------
    matrix
        The routing graph's matrix.
    sources
        Node ids (at least one).

    Returns
    -------
    distance, source
        Per node: the network distance (``inf`` where no source is reachable) and the position in
        ``sources`` of the nearest one (``-1`` where none is reachable).
    """
    from scipy.sparse.csgraph import dijkstra  # here: a toets on a stored run reads distances, no search

    sources = np.asarray(sources, dtype=np.int64)
    dist, _, src = dijkstra(matrix, directed=False, indices=sources, min_only=True, return_predecessors=True)
    position = np.full(matrix.shape[0], -1, dtype=np.int64)
    position[sources] = np.arange(len(sources))
    return dist, np.where(src >= 0, position[np.maximum(src, 0)], -1)


def distances_from(matrix: csr_matrix, sources: np.ndarray | Sequence[int], *, limit: float = math.inf) -> np.ndarray:
    """The network distance from each of ``sources`` to every node (``len(sources)`` × nodes).

    A search stops at ``limit``: nodes further away get ``inf``. The result is dense, so keep
    ``sources`` to a few dozen on a large graph (a row is 8 bytes per node).
    """
    from scipy.sparse.csgraph import dijkstra

    return np.asarray(dijkstra(matrix, directed=False, indices=sources, limit=limit))


def routes_from(
    matrix: csr_matrix, sources: np.ndarray | Sequence[int], *, limit: float = math.inf
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`distances_from` with the predecessors: per source and node, the node before it on the route.

    Follow the predecessors back from a node to its source to get the route (``-9999`` where there
    is none: at the source itself and beyond ``limit``).
    """
    from scipy.sparse.csgraph import dijkstra

    dist, pred = dijkstra(matrix, directed=False, indices=sources, limit=limit, return_predecessors=True)
    return dist, pred


def bounded_distances(matrix: csr_matrix, source: int, *, limit: float) -> dict[int, float]:
    """Network distance from ``source`` to every node within ``limit`` (a Dijkstra search that stops there).

    For one point and a short limit (a toets site, the norm), a search in Python over the few
    thousand nodes within reach is cheaper than importing :mod:`scipy.sparse.csgraph`; the result
    is :func:`distances_from` ``(matrix, [source], limit=limit)`` for the nodes it reaches (the
    others are beyond the limit).
    """
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    dist: dict[int, float] = {source: 0.0}
    heap: list[tuple[float, int]] = [(0.0, source)]
    done: set[int] = set()
    while heap:
        d, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        lo, hi = indptr[node], indptr[node + 1]
        for j, w in zip(indices[lo:hi].tolist(), data[lo:hi].tolist(), strict=True):
            nd = d + w
            if nd <= limit and nd < dist.get(j, math.inf):
                dist[j] = nd
                heapq.heappush(heap, (nd, j))
    return dist
