//! A parameter map as a PNG picture: one slice in the viridis colour map with a labelled colour bar.

use crate::Error;
use crate::atomic::write_atomically;
use std::path::Path;

/// Pixels between the map, the colour bar and the labels, and around the picture.
const MARGIN: usize = 8;
/// Width of the colour bar in pixels.
const BAR_WIDTH: usize = 16;
/// Glyphs are drawn at this multiple of their 5 × 7 bitmap.
const FONT_SCALE: usize = 2;
/// The map is enlarged by an integer factor until its longer side reaches this many pixels.
const TARGET_SIDE: usize = 256;

/// The middle slice along the third axis of a 3-D map stored first index fastest (NIfTI order),
/// as (values, width = nx, height = ny).
pub fn mid_axial_slice(data: &[f64], shape: &[usize]) -> Option<(Vec<f64>, usize, usize)> {
    let (nx, ny) = (*shape.first()?, *shape.get(1).unwrap_or(&1));
    let nz = shape.get(2).copied().unwrap_or(1);
    let plane = nx.checked_mul(ny)?;
    let start = plane.checked_mul(nz / 2)?;
    data.get(start..start + plane).map(|s| (s.to_vec(), nx, ny))
}

/// Writes `values` (`width × height`, x fastest) as a PNG: viridis colours between the 1st and 99th
/// percentile of the finite values (or `range` when given), non-finite values black, the first row
/// at the bottom (as viewers show an axial slice), and a colour bar labelled with the range.
/// Returns the range used. The file appears under its name only once complete.
pub fn write_map_png(
    path: impl AsRef<Path>,
    values: &[f64],
    width: usize,
    height: usize,
    range: Option<(f64, f64)>,
) -> Result<(f64, f64), Error> {
    let path = path.as_ref();
    if width == 0 || height == 0 || values.len() != width * height {
        return Err(Error::ShapeMismatch {
            what: format!("PNG map {}", path.display()),
            expected: vec![width, height],
            found: vec![values.len()],
        });
    }
    let range = range.unwrap_or_else(|| robust_range(values));
    let picture = render(values, width, height, range);
    write_atomically(path, |out| {
        let mut encoder = png::Encoder::new(out, picture.width as u32, picture.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let io = |e: png::EncodingError| Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        };
        encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&picture.rgb))
            .map_err(io)
    })?;
    Ok(range)
}

/// The 1st and 99th percentiles of the finite values; (0, 1) when there are none, and a unit-wide
/// range around a constant map.
fn robust_range(values: &[f64]) -> (f64, f64) {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (0.0, 1.0);
    }
    finite.sort_by(f64::total_cmp);
    let at = |p: f64| finite[((finite.len() - 1) as f64 * p).round() as usize];
    let (lo, hi) = (at(0.01), at(0.99));
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    }
}

/// An RGB picture being drawn.
struct Picture {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Picture {
    fn put(&mut self, x: usize, y: usize, colour: [u8; 3]) {
        if x < self.width && y < self.height {
            let i = 3 * (y * self.width + x);
            self.rgb[i..i + 3].copy_from_slice(&colour);
        }
    }

    fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, colour: [u8; 3]) {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                self.put(x, y, colour);
            }
        }
    }
}

fn viridis(t: f64) -> [u8; 3] {
    let c = colorous::VIRIDIS.eval_continuous(t.clamp(0.0, 1.0));
    [c.r, c.g, c.b]
}

fn render(values: &[f64], width: usize, height: usize, (lo, hi): (f64, f64)) -> Picture {
    let scale = (TARGET_SIDE / width.max(height)).max(1);
    let (map_w, map_h) = (width * scale, height * scale);
    let labels = [format_label(hi), format_label(lo)];
    let label_w = labels.iter().map(|l| l.len()).max().unwrap_or(0) * 6 * FONT_SCALE;
    let glyph_h = 7 * FONT_SCALE;
    let mut picture = Picture {
        width: MARGIN + map_w + MARGIN + BAR_WIDTH + MARGIN + label_w + MARGIN,
        height: 2 * MARGIN + map_h.max(3 * glyph_h),
        rgb: Vec::new(),
    };
    picture.rgb = vec![255; 3 * picture.width * picture.height];
    for y in 0..height {
        for x in 0..width {
            let v = values[y * width + x];
            let colour = if v.is_finite() {
                viridis((v - lo) / (hi - lo))
            } else {
                [0, 0, 0]
            };
            // Row 0 of the data is drawn at the bottom.
            picture.fill(
                MARGIN + x * scale,
                MARGIN + (height - 1 - y) * scale,
                scale,
                scale,
                colour,
            );
        }
    }
    let bar_x = MARGIN + map_w + MARGIN;
    let bar_h = map_h.max(3 * glyph_h);
    for row in 0..bar_h {
        let t = 1.0 - row as f64 / (bar_h - 1).max(1) as f64;
        picture.fill(bar_x, MARGIN + row, BAR_WIDTH, 1, viridis(t));
    }
    let text_x = bar_x + BAR_WIDTH + MARGIN;
    draw_text(&mut picture, text_x, MARGIN, &labels[0]);
    draw_text(&mut picture, text_x, MARGIN + bar_h - glyph_h, &labels[1]);
    picture
}

/// A label short enough for the bar: plain decimals for ordinary magnitudes, otherwise scientific.
fn format_label(v: f64) -> String {
    if v == 0.0 || (1e-2..1e4).contains(&v.abs()) {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    }
}

fn draw_text(picture: &mut Picture, x0: usize, y0: usize, text: &str) {
    for (k, ch) in text.chars().enumerate() {
        let Some(rows) = glyph(ch) else { continue };
        for (r, row) in rows.iter().enumerate() {
            for (c, pixel) in row.bytes().enumerate() {
                if pixel == b'#' {
                    let x = x0 + (k * 6 + c) * FONT_SCALE;
                    picture.fill(x, y0 + r * FONT_SCALE, FONT_SCALE, FONT_SCALE, [0, 0, 0]);
                }
            }
        }
    }
}

/// A 5 × 7 bitmap of the characters numbers need; drawn here because no image crate in use has text.
fn glyph(ch: char) -> Option<[&'static str; 7]> {
    Some(match ch {
        '0' => [
            " ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### ",
        ],
        '1' => [
            "  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### ",
        ],
        '2' => [
            " ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####",
        ],
        '3' => [
            "#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### ",
        ],
        '4' => [
            "   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # ",
        ],
        '5' => [
            "#####", "#    ", "#### ", "    #", "    #", "#   #", " ### ",
        ],
        '6' => [
            "  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### ",
        ],
        '7' => [
            "#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   ",
        ],
        '8' => [
            " ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### ",
        ],
        '9' => [
            " ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  ",
        ],
        '.' => [
            "     ", "     ", "     ", "     ", "     ", " ##  ", " ##  ",
        ],
        '-' => [
            "     ", "     ", "     ", "#####", "     ", "     ", "     ",
        ],
        '+' => [
            "     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     ",
        ],
        'e' => [
            "     ", "     ", " ### ", "#   #", "#####", "#    ", " ### ",
        ],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(path: &Path) -> (usize, usize, Vec<u8>) {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width as usize, info.height as usize, buf)
    }

    fn pixel(rgb: &[u8], width: usize, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * width + x);
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    }

    #[test]
    fn colours_follow_values_rows_go_up_and_nan_is_black() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.png");
        // 2 × 2: row 0 = [0, 1], row 1 = [NaN, 0.5]; range given explicitly.
        let range =
            write_map_png(&path, &[0.0, 1.0, f64::NAN, 0.5], 2, 2, Some((0.0, 1.0))).unwrap();
        assert_eq!(range, (0.0, 1.0));
        let (w, _h, rgb) = decode(&path);
        let scale = TARGET_SIDE / 2;
        let at =
            |x: usize, y: usize| pixel(&rgb, w, MARGIN + x * scale + 1, MARGIN + y * scale + 1);
        // Data row 0 is drawn at the bottom (picture row 1), row 1 at the top.
        assert_eq!(at(0, 1), viridis(0.0));
        assert_eq!(at(1, 1), viridis(1.0));
        assert_eq!(at(0, 0), [0, 0, 0]);
        assert_eq!(at(1, 0), viridis(0.5));
        // The colour bar runs from the top colour (max) to the bottom colour (min).
        let bar_x = MARGIN + 2 * scale + MARGIN + 1;
        assert_eq!(pixel(&rgb, w, bar_x, MARGIN), viridis(1.0));
        assert_eq!(pixel(&rgb, w, bar_x, MARGIN + 2 * scale - 1), viridis(0.0));
        // The labels put black pixels right of the bar.
        let label_black = (MARGIN..MARGIN + 14)
            .flat_map(|y| (bar_x + BAR_WIDTH + MARGIN..w).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(&rgb, w, x, y) == [0, 0, 0])
            .count();
        assert!(label_black > 10, "{label_black}");
    }

    #[test]
    fn default_range_is_robust_to_outliers() {
        let mut values: Vec<f64> = (0..1000).map(|i| i as f64 / 999.0).collect();
        values[0] = -1e9;
        values[1] = 1e9;
        let (lo, hi) = robust_range(&values);
        assert!(
            lo > -0.01 && lo < 0.03 && hi > 0.97 && hi < 1.01,
            "{lo} {hi}"
        );
        assert_eq!(robust_range(&[f64::NAN]), (0.0, 1.0));
        assert_eq!(robust_range(&[2.0, 2.0]), (1.5, 2.5));
    }

    #[test]
    fn mid_slice_of_a_3d_map() {
        let data: Vec<f64> = (0..24).map(f64::from).collect();
        let (slice, w, h) = mid_axial_slice(&data, &[2, 3, 4]).unwrap();
        assert_eq!((w, h), (2, 3));
        assert_eq!(slice, vec![12.0, 13.0, 14.0, 15.0, 16.0, 17.0]);
        assert!(mid_axial_slice(&data, &[5, 5, 5]).is_none());
    }

    #[test]
    fn wrong_length_is_an_error_naming_the_file() {
        let err = write_map_png("x.png", &[1.0; 3], 2, 2, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.png"), "{err}");
        assert!(!Path::new("x.png").exists());
    }
}
