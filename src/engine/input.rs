//! Opening the sources a command names: files, gzip-compressed files and
//! stdin (`-`), with errors that name the file and the problem.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },
    #[error("{path}: is a directory, not a log file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: permission denied")]
    PermissionDenied { path: PathBuf },
    #[error("{path}: file is empty")]
    Empty { path: PathBuf },
    #[error("{path}: not a regular file")]
    NotRegular { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl InputError {
    pub fn from_io(path: &Path, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => InputError::NotFound { path },
            io::ErrorKind::PermissionDenied => InputError::PermissionDenied { path },
            io::ErrorKind::IsADirectory => InputError::IsDirectory { path },
            _ => InputError::Io { path, source },
        }
    }
}

/// A source as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn parse(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }

    pub fn is_gzip(&self) -> bool {
        matches!(self, Source::File(p) if p.extension().is_some_and(|e| e == "gz"))
    }
}

/// An opened, non-empty regular file, checked the way a batch command needs.
pub struct OpenFile {
    pub file: File,
    pub len: u64,
}

pub fn open_file(path: &Path) -> Result<OpenFile, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::from_io(path, e))?;
    if meta.is_dir() {
        return Err(InputError::IsDirectory { path: path.to_path_buf() });
    }
    let file = File::open(path).map_err(|e| InputError::from_io(path, e))?;
    if !meta.is_file() {
        // A FIFO or character device: readable as a stream, but its length means nothing.
        return Ok(OpenFile { file, len: 0 });
    }
    if meta.len() == 0 {
        return Err(InputError::Empty { path: path.to_path_buf() });
    }
    Ok(OpenFile { file, len: meta.len() })
}

/// Opens a source for reading from its start, decompressing `.gz`.
pub fn open_stream(source: &Source) -> Result<Box<dyn Read + Send>, InputError> {
    match source {
        Source::Stdin => Ok(Box::new(stdin_reader())),
        Source::File(path) => {
            let f = open_file(path)?;
            if source.is_gzip() {
                Ok(Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
                    256 * 1024,
                    f.file,
                ))))
            } else {
                Ok(Box::new(f.file))
            }
        }
    }
}

/// Checks every source before any work starts, so a typo in the third
/// file name fails at once instead of after reading the first two.
pub fn check_sources(sources: &[Source]) -> Result<(), InputError> {
    for s in sources {
        if let Source::File(p) = s {
            let meta = std::fs::metadata(p).map_err(|e| InputError::from_io(p, e))?;
            if meta.is_dir() {
                return Err(InputError::IsDirectory { path: p.clone() });
            }
            // A named pipe is opened once, by its reader: opening it here
            // would wait for a writer, and closing it break the writer's pipe.
            if meta.is_file() {
                open_file(p)?;
            }
        }
    }
    Ok(())
}

static STDIN_HEAD: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// [`stdin_head`], if stdin sends something within `wait`: a live view must
/// not wait for a quiet pipe before it opens. The head is still read (on
/// its own thread), and [`stdin_reader`] gets it whenever it comes.
pub fn stdin_head_within(wait: std::time::Duration) -> Option<&'static [u8]> {
    if let Some(head) = STDIN_HEAD.get() {
        return Some(head);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(stdin_head());
    });
    rx.recv_timeout(wait).ok()
}

/// What stdin sent first, read once (up to a whole first line, or what the
/// first read brought), so the profile can be chosen from it; the readers
/// of stdin get it back in front of the rest ([`stdin_reader`]).
pub fn stdin_head() -> &'static [u8] {
    STDIN_HEAD.get_or_init(|| {
        let mut head = Vec::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut stdin = io::stdin().lock();
        while head.len() < buf.len() {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
            if memchr::memchr(b'\n', &head).is_some() {
                break;
            }
        }
        head
    })
}

/// Stdin, with its head ([`stdin_head`]) in front.
pub fn stdin_reader() -> impl Read + Send {
    io::Cursor::new(stdin_head()).chain(io::stdin())
}
