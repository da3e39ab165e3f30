//! Where following begins in a file that already has content.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Offset and line number of the start of the last `n` lines.
pub fn last_lines_offset(file: &mut File, n: u64) -> io::Result<(u64, u64)> {
    let len = file.metadata()?.len();
    if n == 0 {
        let total = count_lines_before(file, len)?;
        return Ok((len, total + 1));
    }
    const STEP: u64 = 64 * 1024;
    let mut end = len;
    // A final line without `\n` is a line too; a final `\n` ends one.
    let mut wanted = n;
    let mut buf = vec![0u8; STEP as usize];
    let mut skip_last_newline = true;
    while end > 0 {
        let start = end.saturating_sub(STEP);
        let chunk = &mut buf[..usize::try_from(end - start).unwrap_or(0)];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        for (j, &b) in chunk.iter().enumerate().rev() {
            if b != b'\n' {
                skip_last_newline = false;
                continue;
            }
            if skip_last_newline && start + j as u64 == len - 1 {
                skip_last_newline = false;
                continue;
            }
            wanted -= 1;
            if wanted == 0 {
                let pos = start + j as u64 + 1;
                let before = count_lines_before(file, pos)?;
                return Ok((pos, before + 1));
            }
        }
        end = start;
    }
    Ok((0, 1))
}

fn count_lines_before(file: &mut File, pos: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut count = 0;
    let mut left = pos;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        count += bytecount::count(&buf[..n], b'\n') as u64;
        left -= n as u64;
    }
    Ok(count)
}
