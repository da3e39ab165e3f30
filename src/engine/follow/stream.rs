//! Sources read as one stream, to their end: stdin, a named pipe, a
//! compressed file. A reader thread feeds chunks; the follower splits them.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, Sender};

use super::super::input::{self, Source};
use super::super::line::{Line, LineSplitter};
use super::{Event, NoticeKind};

pub(super) struct Stream {
    chunks: Receiver<io::Result<Vec<u8>>>,
    splitter: LineSplitter,
    pub(super) ended: bool,
}

impl Stream {
    /// Starts reading `source` on its own thread; `wake` is told of each chunk.
    pub(super) fn spawn(source: &Source, wake: Option<Sender<()>>) -> Stream {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(16);
        let source = source.clone();
        let notify = move || {
            if let Some(w) = &wake {
                let _ = w.send(());
            }
        };
        let _ = std::thread::Builder::new().name("follow-stream".into()).spawn(move || {
            // Opened here, not by the caller: a named pipe's open waits for a writer.
            let mut reader = match input::open_stream(&source) {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(io::Error::other(e.to_string())));
                    notify();
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; 256 * 1024];
                match reader.read(&mut buf) {
                    Ok(0) => {
                        let _ = tx.send(Ok(Vec::new()));
                        notify();
                        return;
                    }
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(buf)).is_err() {
                            return;
                        }
                        notify();
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        notify();
                        return;
                    }
                }
            }
        });
        Stream { chunks: rx, splitter: LineSplitter::new(), ended: false }
    }

    /// Hands out the lines of every chunk that has arrived.
    pub(super) fn poll(&mut self, i: usize, handler: &mut impl FnMut(Event<'_>)) {
        let mut emit = |l: Line<'_>| handler(Event::Line { source: i, line: l });
        while let Ok(chunk) = self.chunks.try_recv() {
            match chunk {
                Ok(bytes) if bytes.is_empty() => {
                    self.splitter.finish(&mut emit);
                    self.ended = true;
                    return;
                }
                Ok(bytes) => {
                    self.splitter.push(&bytes);
                    self.splitter.drain_lines(&mut emit);
                }
                Err(e) => {
                    self.splitter.finish(&mut emit);
                    self.ended = true;
                    handler(Event::Notice {
                        source: i,
                        kind: NoticeKind::Error,
                        text: format!("read failed: {e}"),
                    });
                    return;
                }
            }
        }
    }
}
