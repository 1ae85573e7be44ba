"""What a PNG graph shows, without an imaging library: its pixels (zlib and
the PNG filters, for the 8-bit, non-interlaced images rrdtool writes) and
how much of a graph's plotted area holds data. Nothing runs at import."""
import struct
import zlib


def pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit, non-interlaced
    PNG (rrdtool's: RGB, RGBA or palette)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, palette = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [tuple(body[i:i + 3]) for i in range(0, n, 3)]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and interlace == 0 and ctype in (2, 3, 6), \
        f"{path}: PNG depth {depth} colour type {ctype} interlace {interlace}"
    bpp = {2: 3, 3: 1, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        prev = line
        if ctype == 3:
            rows.append([palette[v] for v in line])
        else:
            rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
    return w, h, rows


def plotted(path, g):
    """(share of the time axis's columns with data drawn, height of the
    highest data pixel as a share of the plotted area's height). Rows drawn
    across the whole width (rules) do not count."""
    _, _, rows = pixels(path)
    left, top = int(g["graph_left"]), int(g["graph_top"])
    w, h = int(g["graph_width"]), int(g["graph_height"])
    cols, highest = set(), h
    # Inside the frame: the axis line and the arrow sit on its edges.
    for y in range(top + 1, top + h - 1):
        xs = [x for x in range(left + 1, left + w - 1) if rows[y][x] != (255, 255, 255)]
        if len(xs) > 0.97 * (w - 2):
            continue
        if xs:
            highest = min(highest, y - top)
            cols.update(xs)
    return len(cols) / (w - 2), (h - highest) / h
