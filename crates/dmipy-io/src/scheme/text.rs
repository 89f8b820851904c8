//! Whitespace-separated number tables: tokens with line and column, for precise error messages.

use crate::Error;
use std::path::Path;

/// One whitespace-separated token and where it starts (line and column from 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub line: usize,
    pub column: usize,
    pub text: &'a str,
}

/// A non-empty line split into tokens.
#[derive(Debug, Clone)]
pub(crate) struct Row<'a> {
    pub line: usize,
    pub tokens: Vec<Token<'a>>,
}

/// The non-blank lines of `text` (a UTF-8 byte-order mark is ignored); with `comments`, lines
/// whose first non-blank character is `#` are skipped too.
pub(crate) fn rows(text: &str, comments: bool) -> Vec<Row<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if comments && line.trim_start().starts_with('#') {
            continue;
        }
        let tokens = tokens(line, k + 1);
        if !tokens.is_empty() {
            out.push(Row {
                line: k + 1,
                tokens,
            });
        }
    }
    out
}

fn tokens(line: &str, number: usize) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // (byte offset, column)
    for (column, (offset, ch)) in line.char_indices().enumerate() {
        match (ch.is_whitespace(), start) {
            (false, None) => start = Some((offset, column + 1)),
            (true, Some((s, c))) => {
                out.push(Token {
                    line: number,
                    column: c,
                    text: &line[s..offset],
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some((s, c)) = start {
        out.push(Token {
            line: number,
            column: c,
            text: &line[s..],
        });
    }
    out
}

/// The finite number a token spells, or an error naming file, line and column.
pub(crate) fn number(token: &Token, path: &Path) -> Result<f64, Error> {
    match token.text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(bad_number(token, path)),
    }
}

/// As [`number`], but `nan` (any case) is accepted and returned as NaN.
pub(crate) fn number_or_nan(token: &Token, path: &Path) -> Result<f64, Error> {
    if token.text.eq_ignore_ascii_case("nan") {
        Ok(f64::NAN)
    } else {
        number(token, path)
    }
}

fn bad_number(token: &Token, path: &Path) -> Error {
    Error::BadNumber {
        path: path.to_path_buf(),
        line: token.line,
        column: token.column,
        token: token.text.to_string(),
    }
}

/// The whole text of a file (invalid UTF-8 is replaced, and then fails as a bad number).
pub(crate) fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_line_and_character_column() {
        let rows = rows("\n# note\n  1.5\t-2e3  x\r\n\n\u{3bc} 7\n", true);
        assert_eq!(rows.len(), 2);
        let t = &rows[0].tokens;
        assert_eq!((t[0].line, t[0].column, t[0].text), (3, 3, "1.5"));
        assert_eq!((t[1].column, t[1].text), (7, "-2e3"));
        assert_eq!((t[2].column, t[2].text), (13, "x"));
        // Columns count characters, not bytes: "μ" is two bytes.
        assert_eq!((rows[1].tokens[1].line, rows[1].tokens[1].column), (5, 3));
    }

    #[test]
    fn numbers_must_be_finite_and_nan_only_where_allowed() {
        let path = Path::new("b.txt");
        let tok = |text| Token {
            line: 2,
            column: 4,
            text,
        };
        assert_eq!(number(&tok("1e3"), path).unwrap(), 1000.0);
        for bad in ["inf", "NaN", "1,5", "0x10", "--1"] {
            let err = number(&tok(bad), path).unwrap_err().to_string();
            assert!(err.starts_with("b.txt:2:4:"), "{err}");
        }
        assert!(number_or_nan(&tok("NaN"), path).unwrap().is_nan());
        assert!(number_or_nan(&tok("-inf"), path).is_err());
    }
}
