#!/usr/bin/env bash
# Stamping a trust document (issue 27): a 10 MB, 100-page PDF (each page a line of text and an
# incompressible 100 KB image, as a scanned report is) stamped as a download through an access
# stamps it. Budget: under 2 s, and peak memory under 3x the file's size (the process's maximum
# resident set, less that of the same program stamping a one-page file, which is the program
# and the font). pdftotext reads the stamp back from the first and the last page.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import os, sys
d = sys.argv[1]
def pdf(pages, image_bytes, path):
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids, n = [], 4
    streams = {}
    for p in range(pages):
        img, content, page = n, n + 1, n + 2
        n += 3
        side = int((image_bytes / 3) ** 0.5)
        data = os.urandom(side * side * 3)
        streams[img] = (b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8" % (side, side), data)
        text = b"q 400 0 0 400 100 300 cm /Im0 Do Q BT /F1 14 Tf 60 760 Td (Report page %d) Tj ET" % (p + 1)
        streams[content] = (b"", text)
        objs[page] = b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im0 %d 0 R >> >> >>" % (content, img)
        kids.append(b"%d 0 R" % page)
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d /MediaBox [0 0 595 842] >>" % pages
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for i in range(1, n):
        offsets[i] = len(out)
        if i in streams:
            extra, data = streams[i]
            out += b"%d 0 obj\n<< %s /Length %d >>\nstream\n" % (i, extra, len(data)) + data + b"\nendstream\nendobj\n"
        else:
            out += b"%d 0 obj\n" % i + objs[i] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % n
    for i in range(1, n):
        out += b"%010d 00000 n \n" % offsets[i]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, xref)
    open(path, "wb").write(out)
pdf(100, 100_000, os.path.join(d, "large.pdf"))
pdf(1, 1_000, os.path.join(d, "small.pdf"))
PY
cargo build --release -p app --features ssr --example stamp >/dev/null 2>&1 || cargo build --release -p app --features ssr --example stamp
bin=target/release/examples/stamp
text="Provided to Zoë Łukasiewicz, Müller & Søn GmbH on $(date -u +%F); confidential; access AB12-CD34"
rss() { /usr/bin/time -f '%M' "$bin" "$1" "$2" "$text" 2>"$dir/time" >"$dir/out"; tail -n1 "$dir/time"; }
base=$(rss "$dir/small.pdf" "$dir/small-out.pdf")
peak=$(rss "$dir/large.pdf" "$dir/large-out.pdf")
cat "$dir/out"
secs=$(grep -o 'in [0-9.]* s' "$dir/out" | grep -o '[0-9.]*')
size=$(stat -c %s "$dir/large.pdf")
growth_kb=$(( peak - base ))
ratio=$(python3 -c "print(f'{$growth_kb * 1024 / $size:.2f}')")
for n in 1 100; do
  pdftotext -enc UTF-8 -f $n -l $n "$dir/large-out.pdf" - | tr -s ' \n' ' ' | grep -q "access AB12-CD34" \
    || { echo "page $n: the stamp is not read back" >&2; exit 1; }
done
echo "file $((size / 1024)) KB; stamped in ${secs} s (budget 2 s); peak memory $((peak / 1024)) MB, $((growth_kb / 1024)) MB over a one-page file = ${ratio}x the file (budget 3x)"
python3 -c "import sys; sys.exit(0 if $secs < 2 and $ratio < 3 else 1)" && echo PASS || { echo FAIL; exit 1; }
