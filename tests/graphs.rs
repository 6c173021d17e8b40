//! The builder's effect graphs, pinned: every `fixtures/graphs/*.js` file's functions printed
//! node by node (reads, writes, calls, awaits, edges, guards, units of data flow) and compared
//! with the snapshot beside it. A change in evaluation order or data flow shows up here first.

#[test]
fn builder_graphs_match_their_snapshots() {
    let mut checked = 0;
    insta::glob!("../fixtures/graphs", "*.js", |abs| {
        let text = std::fs::read_to_string(abs).expect("read fixture");
        let name = abs.file_name().and_then(|n| n.to_str()).expect("name");
        let graphs = racelint::graphs_of(std::path::Path::new(name), &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(graphs.contains("fn "), "{name}: no function printed");
        insta::with_settings!({ snapshot_path => "../fixtures/graphs/snapshots" }, {
            insta::assert_snapshot!(graphs);
        });
        checked += 1;
    });
    assert!(checked >= 1, "no graph fixtures were checked");
}
