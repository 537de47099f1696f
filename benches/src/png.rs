//! A small PNG encoder for palette images: enough for the scale plot without a dependency.
//!
//! The image data is compressed with deflate's fixed Huffman codes, matching only runs of one
//! repeated byte and copies of the row above. A plot is mostly background and straight lines,
//! so those two cases take it to a few percent of its raw size.

/// Encodes a `width` × `height` image whose bytes are indices into `palette`, row by row.
///
/// # Panics
/// If `pixels` does not hold `width × height` bytes or the palette more than 256 colours.
pub(crate) fn encode_indexed(
    width: u32,
    height: u32,
    palette: &[[u8; 3]],
    pixels: &[u8],
) -> Vec<u8> {
    assert_eq!(pixels.len(), width as usize * height as usize);
    assert!(!palette.is_empty() && palette.len() <= 256);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();

    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 3 (palette), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 3, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);

    let colours: Vec<u8> = palette.iter().flatten().copied().collect();
    chunk(&mut out, b"PLTE", &colours);

    // Each row starts with its filter byte: 0, none.
    let stride = width as usize + 1;
    let mut raw = Vec::with_capacity(stride * height as usize);
    for row in pixels.chunks(width as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    chunk(&mut out, b"IDAT", &zlib(&raw, stride));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Appends one chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("a PNG chunk holds under 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The CRC-32 PNG and zlib use (polynomial 0xEDB88320, reflected).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// zlib's checksum of the uncompressed data.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before `b` could overflow.
    for block in data.chunks(5552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

/// A zlib stream of `data`: one deflate block with the fixed codes, matching runs (distance 1)
/// and the previous row (distance `stride`).
fn zlib(data: &[u8], stride: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    // CMF: deflate with a 32 KiB window; FLG: no dictionary, check bits making CMF·256+FLG a
    // multiple of 31.
    bits.bytes.extend_from_slice(&[0x78, 0x01]);
    // BFINAL = 1, BTYPE = 01 (fixed Huffman codes).
    bits.put(1, 1);
    bits.put(1, 2);
    let mut i = 0;
    while i < data.len() {
        let run = if i > 0 { same(data, i, 1) } else { 0 };
        let above = if stride <= 32_768 && i >= stride {
            same(data, i, stride)
        } else {
            0
        };
        let (len, dist) = if above > run {
            (above, stride)
        } else {
            (run, 1)
        };
        if len >= 3 {
            bits.length(len);
            bits.distance(dist);
            i += len;
        } else {
            bits.literal(data[i]);
            i += 1;
        }
    }
    bits.symbol(256);
    let mut out = bits.finish();
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// How many bytes from `i` repeat those `dist` earlier, up to deflate's longest match.
fn same(data: &[u8], i: usize, dist: usize) -> usize {
    data[i..]
        .iter()
        .zip(&data[i - dist..])
        .take(258)
        .take_while(|(a, b)| a == b)
        .count()
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Deflate's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    /// A literal/length symbol in the fixed code (RFC 1951 §3.2.6).
    fn symbol(&mut self, sym: u16) {
        let sym = u32::from(sym);
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xC0 + sym - 280, 8),
        }
    }

    fn literal(&mut self, b: u8) {
        self.symbol(u16::from(b));
    }

    fn length(&mut self, len: usize) {
        let i = LENGTH_BASE
            .iter()
            .rposition(|&b| usize::from(b) <= len)
            .expect("lengths are at least 3");
        self.symbol(257 + i as u16);
        self.put(
            (len - usize::from(LENGTH_BASE[i])) as u32,
            u32::from(LENGTH_EXTRA[i]),
        );
    }

    fn distance(&mut self, dist: usize) {
        let i = DIST_BASE
            .iter()
            .rposition(|&b| usize::from(b) <= dist)
            .expect("distances are at least 1");
        self.code(i as u32, 5);
        self.put(
            (dist - usize::from(DIST_BASE[i])) as u32,
            u32::from(DIST_EXTRA[i]),
        );
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_published_values() {
        // The CRC every PNG ends with, and the Adler-32 example from its Wikipedia article.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    /// A decoder for exactly what [`zlib`] writes: one final block with the fixed codes.
    fn inflate_fixed(stream: &[u8]) -> Vec<u8> {
        assert_eq!(&stream[..2], &[0x78, 0x01]);
        let body = &stream[2..stream.len() - 4];
        let mut pos = 0usize;
        let mut bit = |n: u32| -> u32 {
            let mut v = 0;
            for k in 0..n {
                let b = (body[pos / 8] >> (pos % 8)) & 1;
                v |= u32::from(b) << k;
                pos += 1;
            }
            v
        };
        assert_eq!(bit(1), 1, "final block");
        assert_eq!(bit(2), 1, "fixed codes");
        let mut out: Vec<u8> = Vec::new();
        loop {
            // Read a code most significant bit first, up to 9 bits.
            let mut code = 0u32;
            let mut len = 0;
            let sym = loop {
                code = (code << 1) | bit(1);
                len += 1;
                match len {
                    7 if code <= 0x17 => break code + 256,
                    8 if (0x30..=0xBF).contains(&code) => break code - 0x30,
                    8 if (0xC0..=0xC7).contains(&code) => break code - 0xC0 + 280,
                    9 if code >= 0x190 => break code - 0x190 + 144,
                    _ => assert!(len < 9, "invalid code"),
                }
            };
            match sym {
                0..=255 => out.push(sym as u8),
                256 => break,
                _ => {
                    let i = (sym - 257) as usize;
                    let len =
                        usize::from(LENGTH_BASE[i]) + bit(u32::from(LENGTH_EXTRA[i])) as usize;
                    let mut d = 0u32;
                    for _ in 0..5 {
                        d = (d << 1) | bit(1);
                    }
                    let d = d as usize;
                    let dist = usize::from(DIST_BASE[d]) + bit(u32::from(DIST_EXTRA[d])) as usize;
                    for _ in 0..len {
                        out.push(out[out.len() - dist]);
                    }
                }
            }
        }
        let check = u32::from_be_bytes(stream[stream.len() - 4..].try_into().unwrap());
        assert_eq!(check, adler32(&out));
        out
    }

    #[test]
    fn zlib_round_trips() {
        let stride = 41;
        let mut data = Vec::new();
        for row in 0u32..30 {
            data.push(0);
            for x in 0u32..40 {
                data.push(if x == row || x % 13 == 0 {
                    3
                } else {
                    (x * row % 7) as u8 / 5
                });
            }
        }
        data.extend((0..=255u8).cycle().take(1000));
        let packed = zlib(&data, stride);
        assert_eq!(inflate_fixed(&packed), data);
    }

    #[test]
    fn png_chunks_are_well_formed() {
        let png = encode_indexed(3, 2, &[[255, 255, 255], [0, 0, 0]], &[0, 1, 0, 1, 1, 1]);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut pos = 8;
        let mut kinds = Vec::new();
        while pos < png.len() {
            let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
            let body = &png[pos + 4..pos + 8 + len];
            let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(body));
            kinds.push(String::from_utf8(body[..4].to_vec()).unwrap());
            if &body[..4] == b"IDAT" {
                assert_eq!(inflate_fixed(&body[4..]), [0, 0, 1, 0, 0, 1, 1, 1]);
            }
            pos += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "PLTE", "IDAT", "IEND"]);
    }
}
