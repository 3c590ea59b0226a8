//! The memory a set of processes keeps resident, each physical page counted once.
//!
//! Summing VmRSS over the app's processes counts a shared library's pages once in every
//! process that maps it: libwebkit2gtk's code is resident in the app, the web process and the
//! network process, Mesa's libLLVM in the first two. PSS shares such pages out, but also with
//! processes outside the tree (libc with everything), so it can understate. This reads every
//! present page's frame number from /proc/PID/pagemap (needs root, or CAP_SYS_ADMIN; without it
//! the kernel gives frame 0 and the answer is `None`) and counts the distinct frames: what the
//! tree holds in RAM, shared pages once, including those it shares with other processes.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

const PAGE_KB: u64 = 4;
const PRESENT: u64 = 1 << 63;
const FRAME: u64 = (1 << 55) - 1;

/// Distinct resident frames of `pids` in kB, or `None` where frame numbers are hidden.
pub fn unique_kb(pids: &[u32]) -> Option<u64> {
    let mut frames: HashSet<u64> = HashSet::with_capacity(1 << 17);
    for &pid in pids {
        // A process that exits between listing and reading simply adds nothing.
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
            continue;
        };
        let Ok(mut pagemap) = File::open(format!("/proc/{pid}/pagemap")) else {
            continue;
        };
        for (start, end) in resident_ranges(&smaps) {
            read_frames(&mut pagemap, start, end, &mut frames)?;
        }
    }
    Some(frames.len() as u64 * PAGE_KB)
}

/// Address ranges of the mappings with any resident page (smaps `Rss:` above 0): JavaScriptCore
/// reserves tens of GB of address space it never touches, and reading pagemap for those is slow.
fn resident_ranges(smaps: &str) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut current = None;
    for line in smaps.lines() {
        if let Some(rss) = line.strip_prefix("Rss:") {
            let kb: u64 = rss
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            if kb > 0
                && let Some(range) = current.take()
            {
                out.push(range);
            }
        } else if let Some((range, _)) = line.split_once(' ')
            && let Some((a, b)) = range.split_once('-')
            && let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16))
        {
            current = Some((a, b));
        }
    }
    out
}

/// Adds the frames of the present pages in `start..end`; `None` if the kernel hides frames.
fn read_frames(pagemap: &mut File, start: u64, end: u64, frames: &mut HashSet<u64>) -> Option<()> {
    const CHUNK: u64 = 1 << 16; // pages per read: 512 KB of pagemap
    let mut buf = vec![0u8; (CHUNK * 8) as usize];
    let mut page = start / 4096;
    let last = end / 4096;
    while page < last {
        let n = (last - page).min(CHUNK);
        let bytes = &mut buf[..(n * 8) as usize];
        // A mapping can vanish while it is read; what was read so far stands.
        if pagemap.seek(SeekFrom::Start(page * 8)).is_err() || pagemap.read_exact(bytes).is_err() {
            return Some(());
        }
        for entry in bytes.chunks_exact(8) {
            let e = u64::from_le_bytes(entry.try_into().unwrap_or_default());
            if e & PRESENT != 0 {
                let frame = e & FRAME;
                if frame == 0 {
                    return None;
                }
                frames.insert(frame);
            }
        }
        page += n;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_only_mappings_with_resident_pages() {
        let smaps = "\
7f00-8f00 r-xp 00000000 08:01 1 /usr/lib/libfoo.so
Size:                 4 kB
Rss:                  4 kB
9000-a000 ---p 00000000 00:00 0
Size:                 4 kB
Rss:                  0 kB
b000-c000 rw-p 00000000 00:00 0 
Rss:                  8 kB
VmFlags: rd wr mr mw me ac
";
        assert_eq!(
            resident_ranges(smaps),
            vec![(0x7f00, 0x8f00), (0xb000, 0xc000)]
        );
    }
}
