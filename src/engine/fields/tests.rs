use super::*;

#[test]
fn builtin_profiles_load_and_wontopos_comes_first() {
    let p = Profiles::builtin();
    assert_eq!(p.names()[0], DEFAULT_PROFILE);
    let w = p.get("wontopos").unwrap();
    let names: Vec<&str> = w.paths(Field::Status).iter().map(|p| p.text.as_str()).collect();
    assert_eq!(names, ["status", "status_code", "http_status"]);
}

#[test]
fn a_user_file_extends_and_adds_profiles() {
    let mut p = Profiles::builtin();
    let text = r#"
[profiles.mine]
extends = "wontopos"
about = "our gateway"
status = ["res.statusCode", "status"]

[profiles.wontopos]
latency = ["elapsed:s"]
"#;
    p.extend_from_toml(text, "fields.toml").unwrap();
    let mine = p.get("mine").unwrap();
    assert_eq!(mine.paths(Field::Status)[0].text, "res.statusCode");
    assert_eq!(mine.paths(Field::Time)[0].text, "ts");
    assert_eq!(p.get("wontopos").unwrap().paths(Field::Latency)[0].text, "elapsed:s");
}

#[test]
fn a_bad_mapping_names_the_file_line_and_key() {
    let mut p = Profiles::builtin();
    let cases = [
        ("[profiles.x]\nstatus = [\"a\"]\nstatuss = [\"b\"]\n", "fields.toml:3", "'statuss' is not a field"),
        ("[profiles.x]\n\nstatus = [\"a..b\"]\n", "fields.toml:3", "empty key"),
        ("[profiles.x]\nmethod = [\"m:s\"]\n", "fields.toml:2", "takes no unit"),
        ("[profiles.x]\nextends = \"nope\"\n", "fields.toml:2", "no profile"),
        ("[profiles.x\n", "fields.toml:1", ""),
        ("[other]\n", "fields.toml:1", ""),
        ("[profiles.x]\nstatus = 3\n", "fields.toml:2", "list of paths"),
    ];
    for (text, at, says) in cases {
        let e = p.extend_from_toml(text, "fields.toml").unwrap_err();
        assert_eq!(e.origin, at, "{text}: {e}");
        assert!(e.message.contains(says), "{text}: {e}");
    }
}

#[test]
fn field_flags() {
    let f = FieldFlag::parse("status=res.statusCode").unwrap();
    assert_eq!(f.field, Field::Status);
    let f = FieldFlag::parse("latency=Duration:ns").unwrap();
    assert_eq!(f.path.unit, Some(Unit::Ns));
    assert!(FieldFlag::parse("status").unwrap_err().contains("NAME=PATH"));
    assert!(FieldFlag::parse("stat=x").unwrap_err().contains("not a field"));
    assert!(FieldFlag::parse("path=a:ms").unwrap_err().contains("takes no unit"));
}

#[test]
fn flags_go_first_in_every_profile() {
    let opts = MappingOptions {
        flags: vec![FieldFlag::parse("status=res.statusCode").unwrap()],
        fields_file: Some(PathBuf::from("/nonexistent/fields.toml")),
        ..MappingOptions::default()
    };
    let e = Mapping::load(&opts).unwrap_err();
    assert!(e.origin.contains("/nonexistent/fields.toml"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fields.toml");
    std::fs::write(&file, "").unwrap();
    let m = Mapping::load(&MappingOptions { fields_file: Some(file), ..opts }).unwrap();
    for p in m.profiles.iter() {
        assert_eq!(p.paths(Field::Status)[0].text, "res.statusCode", "{}", p.name);
    }
}

#[test]
fn compiled_lookup_finds_only_mapped_keys() {
    let m = Mapping::wontopos();
    let map = FieldMap::compile(m.default_profile());
    let counts = map.root(Need::Counts);
    assert!(counts.get(b"status").is_some());
    assert!(counts.get(b"request_id").is_none());
    assert!(counts.get(b"error").unwrap().child.as_ref().unwrap().get(b"code").is_some());
    let all = map.root(Need::All);
    assert!(all.get(b"request_id").is_some());
    assert!(all.get(b"").is_none());
    assert!(all.get(b"statu").is_none());
    assert!(all.get(b"STATUS").is_none());
}
