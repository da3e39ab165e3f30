use super::*;

#[test]
fn resumes_where_history_ended() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
    let opts =
        FollowOptions { resume: vec![Some(StartAt::At { offset: 8, line: 3 })], ..FollowOptions::default() };
    let stop = AtomicBool::new(false);
    let mut seen = Vec::new();
    follow(&[Source::File(path)], &opts, &stop, |ev| {
        if let Event::Line { line, .. } = ev {
            seen.push((line.number, String::from_utf8_lossy(line.bytes).into_owned()));
        }
        if let Event::CaughtUp { .. } = ev {
            stop.store(true, Ordering::SeqCst);
        }
    });
    assert_eq!(seen, vec![(3, "three".to_owned())]);
}
