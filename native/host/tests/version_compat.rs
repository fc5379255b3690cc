//! Version compatibility: the pure check with crafted version strings, and the generation each
//! real fixture lands in.

mod common;

use common::*;
use plugin_host::generation::choose;
use plugin_host::version::{check_compatible, check_major_only, ApiVersion, Incompatibility, PluginVersion};
use plugin_host::{ErrorKind, Generation};

#[test]
fn crafted_required_versions() {
    let ok = |v: &str, get_type: bool| choose(v, get_type).map(|(g, _)| g).map_err(|e| e.message);
    assert_eq!(ok("3.0.0", false), Ok(Generation::V3));
    assert_eq!(ok("3.12.0", false), Ok(Generation::V3));
    assert_eq!(
        ok("3.12.0-rc1", false),
        Ok(Generation::V3),
        "text after the patch is ignored, as sscanf does"
    );
    assert_eq!(
        ok("3.13.0", false),
        Err("plugin requires API 3.13.0 but scaptool's 3.x host implements 3.12.0: framework's minor is less than the requested one".into())
    );
    assert_eq!(
        ok("3.12.5", false),
        Err("plugin requires API 3.12.5 but scaptool's 3.x host implements 3.12.0: framework's patch is less than the requested one".into())
    );
    assert_eq!(ok("2.0.0", false), Ok(Generation::V2));
    assert!(ok("2.0.1", false)
        .unwrap_err()
        .ends_with("framework's patch is less than the requested one"));
    assert_eq!(ok("1.0.0", false), Ok(Generation::V1));
    assert!(ok("1.1.0", false).unwrap_err().contains("1.x host implements 1.0.0"));
    assert_eq!(ok("1.0.0", true), Ok(Generation::Seed));
    assert_eq!(ok("0.1.0", true), Ok(Generation::V0_1));
    assert_eq!(ok("0.2.5", true), Ok(Generation::V0_2));
    assert_eq!(ok("0.3.0", true), Ok(Generation::V0_3));
    assert!(ok("0.3.1", true)
        .unwrap_err()
        .contains("0.x host implements 0.3.0: framework's patch"));
    assert!(ok("5.0.0", false).unwrap_err().contains("no 5.x host"));
    assert_eq!(choose("garbage", false).unwrap_err().kind, ErrorKind::IncompatibleApi);
}

#[test]
fn the_rule_itself() {
    let v = ApiVersion::new;
    assert_eq!(
        check_compatible(v(0, 3, 0), v(0, 1, 7)),
        Ok(()),
        "major 0 gets no special treatment"
    );
    assert_eq!(
        check_compatible(v(3, 12, 0), v(4, 0, 0)),
        Err(Incompatibility::MajorDiffers)
    );
    assert_eq!(check_major_only(v(1, 0, 0), v(1, 3, 0)), Ok(()));
    assert_eq!(
        check_major_only(v(1, 0, 0), v(0, 3, 0)),
        Err(Incompatibility::MajorDiffers)
    );
    assert!(PluginVersion::parse("0.1.0").is_ok());
    assert!(PluginVersion::parse("0.1").is_err());
}

#[test]
fn every_fixture_lands_in_its_generation() {
    let cases = [
        ("libdummy_seed.so", Generation::Seed),
        ("libdummy_api0_1.so", Generation::V0_1),
        ("libdummy_api0_2.so", Generation::V0_2),
        ("libdummy_api0_3.so", Generation::V0_3),
        ("libdummy_c.so", Generation::V0_3),
        ("libdummyx_api0_3.so", Generation::V0_3),
        ("libdummy_api1.so", Generation::V1),
        ("libdummy_api2.so", Generation::V2),
        ("libdummy_api3.so", Generation::V3),
        ("libdummy_api3_12.so", Generation::V3),
        ("libdummy_maxsample_c.so", Generation::V3),
        ("libdummyx3_1_0_0.so", Generation::V3),
    ];
    for (file, g) in cases {
        assert_eq!(load(file).generation(), g, "{file}");
    }
    for (file, g) in [
        ("libdummy.so", Generation::V3),
        ("libdummy_sdk06.so", Generation::V2),
        ("libdummy_sdk05.so", Generation::V1),
        ("libdummy_sdk02.so", Generation::V0_2),
    ] {
        assert_eq!(load_go(file).generation(), g, "{file}");
    }
}

#[test]
fn info_serialises_for_the_binding() {
    let info = load("libdummyx3_1_0_0.so").info().clone();
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["generation"], "3.x");
    assert_eq!(json["capabilities"]["extraction"], true);
    assert_eq!(json["fields"][0]["type"], "uint64");
    assert_eq!(json["fields"][10]["arg"]["isKey"], true);
    assert_eq!(json["frameworkApiVersion"]["minor"], 12);
}
