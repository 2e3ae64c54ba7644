# ---- standings (the same in assessc and in every generated scorer) -------------------------------
#
# Placement, competition ranks, tie groups and award bands: the one definition that
# assessc.backends.outcomes uses and that `assessc compile --target python` copies into the
# module it writes. Standard library only; no annotations that need `from __future__`.

PLACED, FORCED_LAST, VETOED = 0, 1, 2  # placement classes, in the order they are placed


def placement(classes, keys):
    """(order, ranks, tie sizes): ``order`` lists the positions by class, then by key highest
    first, ties in input order; ranks (standard competition ranks: 1, 2, 2, 4) and tie sizes
    are by position. Keys are compared, never computed with, so no rounding enters."""
    n = len(keys)
    order = sorted(range(n), key=keys.__getitem__, reverse=True)  # stable: ties keep input order
    if classes is not None and any(classes):
        order.sort(key=classes.__getitem__)
    ranks = [0] * n
    sizes = [1] * n
    start = 0
    while start < n:
        first = order[start]
        cls, key = (classes[first] if classes is not None else 0), keys[first]
        stop = start + 1
        while stop < n and keys[order[stop]] == key and (classes is None or classes[order[stop]] == cls):
            stop += 1
        for position in order[start:stop]:
            ranks[position] = start + 1
            sizes[position] = stop - start
        start = stop
    return order, ranks, sizes


def band_award(bands, rank, size, demote, vetoed):
    """(band after demotion and veto, band by rank, note) for an entity at ``rank`` in a tie group
    of ``size``; ``bands`` are (name, low, high) in order. A vetoed entity gets no award; a tie
    group that straddles a band's last place is noted."""
    index = None
    for k, (name, low, high) in enumerate(bands):
        if low <= rank <= high:
            index = k
            break
    if index is None:
        return None, None, None
    name, low, high = bands[index]
    note = None
    if rank + size - 1 > high:
        note = (f"tie at rank {rank} ({size} entities) straddles the last place of {name} "
                f"({low}..{high}): the band holds more entities than places")
    if vetoed:
        return None, name, note
    moved = index + demote
    return (bands[moved][0] if moved < len(bands) else None), name, note


def in_band(ends, value):
    """Whether ``value`` lies in a grade's ``ends`` (low, low_open, high, high_open); an end that
    is None is unbounded, an open end excludes its number. Compared, never computed with."""
    low, low_open, high, high_open = ends
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or (value < high if high_open else value <= high)


def grade_of(bands, value, fixed=None):
    """The grade of ``value``: the first of ``bands`` ((name, low, low_open, high, high_open) in
    written order) that holds it, None when none does; ``fixed`` (a grade veto's grade) wins."""
    if fixed is not None:
        return fixed
    for name, low, low_open, high, high_open in bands:
        if in_band((low, low_open, high, high_open), value):
            return name
    return None
