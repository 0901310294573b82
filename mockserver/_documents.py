"""File bodies the mock writes: a one-page PDF of text lines, and a track's audio file.

Three operations answer a PDF (two analytics reports and the licence certificate). Each
shows the figures the JSON reads give for the same thing, so a client that renders or parses
the document sees the same world as one that reads the API; one writer keeps them alike.

The mock holds no audio, so a track's file is the shortest valid MP3 that still says whose
it is: an ID3v2.4 tag with the track's title and artists (as the JSON reads name them) and
one frame of silence, which players and tag readers accept.
"""

from __future__ import annotations

__all__ = ["mp3", "pdf"]


def _literal(line: str) -> str:
    """A PDF string literal: backslash and parentheses escaped, as PDF 1.4 §3.2.3 says."""
    return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf(lines: list[str]) -> bytes:
    """A minimal valid PDF 1.4 document: one A4 page showing ``lines`` in Helvetica (text
    outside latin-1 becomes ``?``), with a correct cross-reference table."""
    text = " T* ".join(f"{_literal(line)} Tj" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 50 780 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# One MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, mono, no CRC; 417 bytes of which all but
# the 4-byte header are zero, which decodes to 26 ms of silence.
_SILENT_FRAME = b"\xff\xfb\x90\xc0" + bytes(413)


def _synchsafe(size: int) -> bytes:
    """ID3v2.4 sizes: 28 bits in four bytes of seven."""
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _text_frame(frame_id: bytes, text: str) -> bytes:
    body = b"\x03" + text.encode("utf-8")  # encoding 3: UTF-8
    return frame_id + _synchsafe(len(body)) + b"\x00\x00" + body


def mp3(title: str, artist: str) -> bytes:
    """An MP3 file: an ID3v2.4 tag naming ``title`` (TIT2) and ``artist`` (TPE1), then
    one silent frame."""
    frames = _text_frame(b"TIT2", title) + _text_frame(b"TPE1", artist)
    return b"ID3\x04\x00\x00" + _synchsafe(len(frames)) + frames + _SILENT_FRAME
