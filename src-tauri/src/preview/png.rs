//! PNG previews made row by row: each decoded row is averaged into the preview's row it falls
//! in, so scaling holds one source row and the preview, never the whole picture. GdkPixbuf
//! decodes a PNG whole before scaling it: 10 MB for a phone screenshot, 128 MB for an
//! 8000×4000 map exported from the dispatch software, and a 20 MB file can hold far more.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

/// Beyond this many pixels a PNG gets no preview: decoding it would take seconds for a
/// thumbnail (a 20 MB file of one colour can claim billions of pixels).
pub const MAX_PIXELS: u64 = 200_000_000;

/// The size of a `w`×`h` picture scaled down, keeping its proportions, to fit in `fit` (never
/// 0, never larger than it was).
pub fn fitted((w, h): (u32, u32), (fit_w, fit_h): (u32, u32)) -> (u32, u32) {
    let scale = f64::min(fit_w as f64 / w as f64, fit_h as f64 / h as f64).min(1.0);
    let side = |n: u32| ((n as f64 * scale).round() as u32).max(1);
    (side(w), side(h))
}

/// The PNG at `path` scaled to fit in `fit`, encoded as PNG; `None` when it is interlaced
/// (its rows come in seven passes: the caller decodes it whole, if it is small enough).
pub fn scaled(path: &Path, fit: (u32, u32)) -> io::Result<Option<Vec<u8>>> {
    let mut decoder = png::Decoder::new(BufReader::new(File::open(path)?));
    // Palette, low bit depths and tRNS expanded, 16 bits cut to 8: 1 to 4 bytes per pixel.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(io::Error::other)?;
    let (w, h, interlaced) = {
        let info = reader.info();
        (info.width, info.height, info.interlaced)
    };
    if interlaced {
        return Ok(None);
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(io::Error::other("too many pixels to preview"));
    }
    let channels = match reader.output_color_type().0 {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(io::Error::other("palette not expanded")),
    };
    let (ow, oh) = fitted((w, h), fit);
    let mut preview = Preview::new(ow, oh);
    // The preview's column for each source column.
    let columns: Vec<usize> = (0..u64::from(w))
        .map(|x| (x * u64::from(ow) / u64::from(w)) as usize)
        .collect();
    let mut row_of_preview = 0;
    for y in 0..u64::from(h) {
        let row = reader
            .next_row()
            .map_err(io::Error::other)?
            .ok_or_else(|| io::Error::other("the picture ends early"))?;
        let target = (y * u64::from(oh) / u64::from(h)) as u32;
        if target != row_of_preview {
            preview.finish_row();
            row_of_preview = target;
        }
        for (px, &column) in row.data().chunks_exact(channels).zip(&columns) {
            let (r, g, b, a) = match *px {
                [v] => (v, v, v, 255),
                [v, a] => (v, v, v, a),
                [r, g, b] => (r, g, b, 255),
                [r, g, b, a, ..] => (r, g, b, a),
                [] => (0, 0, 0, 0),
            };
            preview.add(column, [r, g, b, a]);
        }
    }
    preview.finish_row();
    preview.encode().map(Some)
}

/// The preview being made: finished rows as RGBA, and the sums for the row under way.
struct Preview {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
    /// Per column: red, green and blue weighted by alpha (so a transparent pixel's colour
    /// does not darken its neighbours), alpha, and how many source pixels fell in.
    sums: Vec<[u64; 5]>,
    opaque: bool,
}

impl Preview {
    fn new(width: u32, height: u32) -> Self {
        Preview {
            width,
            height,
            rgba: Vec::with_capacity(width as usize * height as usize * 4),
            sums: vec![[0; 5]; width as usize],
            opaque: true,
        }
    }

    fn add(&mut self, column: usize, [r, g, b, a]: [u8; 4]) {
        let a = u64::from(a);
        let s = &mut self.sums[column];
        s[0] += u64::from(r) * a;
        s[1] += u64::from(g) * a;
        s[2] += u64::from(b) * a;
        s[3] += a;
        s[4] += 1;
    }

    fn finish_row(&mut self) {
        if self.rgba.len() >= self.width as usize * self.height as usize * 4 {
            return;
        }
        for s in &mut self.sums {
            let [r, g, b, alpha, n] = std::mem::take(s);
            let colour = |c: u64| (c + alpha / 2).checked_div(alpha).unwrap_or(0) as u8;
            let a = (alpha + n / 2).checked_div(n).unwrap_or(0) as u8;
            self.opaque &= a == 255;
            self.rgba
                .extend_from_slice(&[colour(r), colour(g), colour(b), a]);
        }
    }

    fn encode(self) -> io::Result<Vec<u8>> {
        let (pixels, colour) = if self.opaque {
            let rgb = self
                .rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            (rgb, png::ColorType::Rgb)
        } else {
            (self.rgba, png::ColorType::Rgba)
        };
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(colour);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        writer.write_image_data(&pixels).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)?;
        Ok(out)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Writes a `w`×`h` PNG of `colour` whose left half is transparent when `alpha`, and whose
    /// rows are interlaced (Adam7) when `interlaced`.
    fn write_png(path: &Path, (w, h): (u32, u32), colour: [u8; 3], alpha: bool) {
        let mut encoder = png::Encoder::new(File::create(path).unwrap(), w, h);
        encoder.set_color(if alpha {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        encoder.set_depth(png::BitDepth::Eight);
        let mut pixels = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                pixels.extend_from_slice(&colour);
                if alpha {
                    // The hidden half is black: averaged without weights it would darken.
                    if x < w / 2 {
                        let n = pixels.len();
                        pixels[n - 3..].copy_from_slice(&[0, 0, 0]);
                        pixels.push(0);
                    } else {
                        pixels.push(255);
                    }
                }
            }
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
        writer.finish().unwrap();
    }

    /// `bytes`, a PNG whose header was edited, with the header's checksum made right again.
    /// The header: signature (8 bytes), IHDR's length and type (8), width (4) and height (4)
    /// from byte 16, depth, colour, compression, filter, and the interlace method at byte 28;
    /// its CRC follows, over bytes 12 to 28.
    pub(in crate::preview) fn with_header_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    /// A `w`×`h` grey PNG with its rows interlaced (Adam7), which png's encoder does not make:
    /// seven passes, each a smaller picture of every nth pixel, unfiltered.
    pub(in crate::preview) fn interlaced_png((w, h): (u32, u32), grey: u8) -> Vec<u8> {
        use std::io::Write;
        const PASSES: [(u32, u32, u32, u32); 7] = [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ];
        let mut raw = Vec::new();
        for (x0, y0, dx, dy) in PASSES {
            let pw = w.saturating_sub(x0).div_ceil(dx);
            let ph = h.saturating_sub(y0).div_ceil(dy);
            if pw == 0 {
                continue;
            }
            for _ in 0..ph {
                raw.push(0);
                raw.extend(std::iter::repeat_n(grey, pw as usize));
            }
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&raw).unwrap();
        let idat = z.finish().unwrap();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        // 8-bit greyscale, deflate, adaptive filtering, Adam7.
        ihdr.extend_from_slice(&[8, 0, 0, 0, 1]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [(b"IHDR", &ihdr), (b"IDAT", &idat), (b"IEND", &Vec::new())] {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32fast::hash(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        out
    }

    fn decode(bytes: &[u8]) -> (u32, u32, png::ColorType, Vec<u8>) {
        let mut reader = png::Decoder::new(io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, info.color_type, buf)
    }

    #[test]
    fn fits_the_box_keeping_proportions() {
        assert_eq!(fitted((1080, 2400), (320, 200)), (90, 200));
        assert_eq!(fitted((4000, 3000), (640, 400)), (533, 400));
        assert_eq!(fitted((8000, 10), (320, 200)), (320, 1));
        assert_eq!(fitted((100, 50), (320, 200)), (100, 50));
    }

    #[test]
    fn a_screenshot_is_averaged_down_row_by_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("screen.png");
        write_png(&path, (1080, 2400), [0x25, 0x63, 0xeb], false);
        let bytes = scaled(&path, (320, 200)).unwrap().unwrap();
        let (w, h, colour, pixels) = decode(&bytes);
        assert_eq!((w, h, colour), (90, 200, png::ColorType::Rgb));
        assert!(pixels.chunks_exact(3).all(|p| p == [0x25, 0x63, 0xeb]));
    }

    #[test]
    fn transparency_stays_and_does_not_darken_the_colour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logo.png");
        write_png(&path, (1001, 600), [200, 100, 50], true);
        let (w, h, colour, pixels) = decode(&scaled(&path, (320, 200)).unwrap().unwrap());
        assert_eq!((w, h, colour), (320, 192, png::ColorType::Rgba));
        let row: Vec<&[u8]> = pixels[..320 * 4].chunks_exact(4).collect();
        assert_eq!(row[0][3], 0, "the left edge stays transparent");
        assert_eq!(row[319], [200, 100, 50, 255]);
        // The column across the edge: half covered, in the colour of its visible half.
        let edge = row.iter().find(|p| p[3] != 0 && p[3] != 255).unwrap();
        assert_eq!(&edge[..3], [200, 100, 50]);
    }

    #[test]
    fn refuses_what_it_cannot_read_and_passes_interlaced_on() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.png");
        std::fs::write(&broken, b"\x89PNG\r\n\x1a\nnot really").unwrap();
        assert!(scaled(&broken, (320, 200)).is_err());

        let interlaced = dir.path().join("interlaced.png");
        std::fs::write(&interlaced, interlaced_png((800, 600), 128)).unwrap();
        assert!(scaled(&interlaced, (320, 200)).unwrap().is_none());
    }
}
