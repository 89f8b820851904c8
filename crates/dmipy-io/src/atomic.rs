//! Writing a file under its final name only once it is complete (temporary sibling, then rename).

use crate::Error;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Run `fill` on a temporary file next to `path`, then flush, sync and rename it to `path`.
/// On any error the temporary file is removed and `path` is left untouched.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    let io_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let (dir, prefix) = staging_place(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    // Temporary files are private (0600) by default; the finished image should get the usual
    // permissions of a new file (0666 minus the umask), as `File::create` would give it.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(io_err)?;
    {
        let mut writer = BufWriter::new(tmp.as_file_mut());
        fill(&mut writer)?;
        writer.flush().map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

/// Where a file or folder is staged before it is renamed to `path`: its parent folder (`.` for a
/// bare name) and the hidden prefix `.NAME.` of the temporary sibling.
pub(crate) fn staging_place(path: &Path) -> (&Path, String) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir, format!(".{name}."))
}

/// Writes `bytes` to `path` through [`write_atomically`].
pub(crate) fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomically(path, |w| {
        w.write_all(bytes).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    })
}
