//! The part of librime's C API (`rime_api.h`, librime 1.8) the keyboard uses, spelled by
//! hand: the `RimeApi` table of function pointers from `rime_get_api()` and the few
//! structs those functions fill. Decision 0015 says why not bindgen. Every struct here is
//! checked against the installed header by `layout_matches_rime_api_h` (compiled with the
//! system C compiler), and at run time the library's `data_size` must cover every
//! function we call.

use std::ffi::{c_char, c_int, c_void};

/// `Bool` in the header.
pub type RimeBool = c_int;
/// `RimeSessionId` in the header.
pub type RimeSessionId = usize;

/// `RimeTraits`: where the data lives and how the library logs.
#[repr(C)]
pub struct RimeTraits {
    pub data_size: c_int,
    pub shared_data_dir: *const c_char,
    pub user_data_dir: *const c_char,
    pub distribution_name: *const c_char,
    pub distribution_code_name: *const c_char,
    pub distribution_version: *const c_char,
    pub app_name: *const c_char,
    pub modules: *const *const c_char,
    pub min_log_level: c_int,
    pub log_dir: *const c_char,
    pub prebuilt_data_dir: *const c_char,
    pub staging_dir: *const c_char,
}

/// `RimeComposition`: the input being composed, as shown (`preedit`).
#[repr(C)]
pub struct RimeComposition {
    pub length: c_int,
    pub cursor_pos: c_int,
    pub sel_start: c_int,
    pub sel_end: c_int,
    pub preedit: *mut c_char,
}

/// `RimeCandidate`.
#[repr(C)]
pub struct RimeCandidate {
    pub text: *mut c_char,
    pub comment: *mut c_char,
    pub reserved: *mut c_void,
}

/// `RimeMenu`: rime's own page of candidates (we page ourselves, from the iterator).
#[repr(C)]
pub struct RimeMenu {
    pub page_size: c_int,
    pub page_no: c_int,
    pub is_last_page: RimeBool,
    pub highlighted_candidate_index: c_int,
    pub num_candidates: c_int,
    pub candidates: *mut RimeCandidate,
    pub select_keys: *mut c_char,
}

/// `RimeCommit`: text the engine hands over for the field.
#[repr(C)]
pub struct RimeCommit {
    pub data_size: c_int,
    pub text: *mut c_char,
}

/// `RimeContext`: composition and menu.
#[repr(C)]
pub struct RimeContext {
    pub data_size: c_int,
    pub composition: RimeComposition,
    pub menu: RimeMenu,
    pub commit_text_preview: *mut c_char,
    pub select_labels: *mut *mut c_char,
}

/// `RimeCandidateListIterator`: walks all candidates from an index.
#[repr(C)]
pub struct RimeCandidateListIterator {
    pub ptr: *mut c_void,
    pub index: c_int,
    pub candidate: RimeCandidate,
}

/// A slot of the table we never call: only its size matters.
type Unused = Option<unsafe extern "C" fn()>;

/// `RimeApi`, up to the last function we call (`candidate_list_from_index`); the library's
/// table may be longer, never shorter (checked with `data_size`).
#[repr(C)]
pub struct RimeApi {
    pub data_size: c_int,
    pub setup: Option<unsafe extern "C" fn(*mut RimeTraits)>,
    pub set_notification_handler: Unused,
    pub initialize: Option<unsafe extern "C" fn(*mut RimeTraits)>,
    pub finalize: Option<unsafe extern "C" fn()>,
    pub start_maintenance: Unused,
    pub is_maintenance_mode: Unused,
    pub join_maintenance_thread: Unused,
    pub deployer_initialize: Option<unsafe extern "C" fn(*mut RimeTraits)>,
    pub prebuild: Unused,
    pub deploy: Unused,
    pub deploy_schema: Option<unsafe extern "C" fn(*const c_char) -> RimeBool>,
    pub deploy_config_file: Unused,
    pub sync_user_data: Unused,
    pub create_session: Option<unsafe extern "C" fn() -> RimeSessionId>,
    pub find_session: Unused,
    pub destroy_session: Option<unsafe extern "C" fn(RimeSessionId) -> RimeBool>,
    pub cleanup_stale_sessions: Unused,
    pub cleanup_all_sessions: Unused,
    pub process_key: Option<unsafe extern "C" fn(RimeSessionId, c_int, c_int) -> RimeBool>,
    pub commit_composition: Option<unsafe extern "C" fn(RimeSessionId) -> RimeBool>,
    pub clear_composition: Option<unsafe extern "C" fn(RimeSessionId)>,
    pub get_commit: Option<unsafe extern "C" fn(RimeSessionId, *mut RimeCommit) -> RimeBool>,
    pub free_commit: Option<unsafe extern "C" fn(*mut RimeCommit) -> RimeBool>,
    pub get_context: Option<unsafe extern "C" fn(RimeSessionId, *mut RimeContext) -> RimeBool>,
    pub free_context: Option<unsafe extern "C" fn(*mut RimeContext) -> RimeBool>,
    pub get_status: Unused,
    pub free_status: Unused,
    pub set_option: Option<unsafe extern "C" fn(RimeSessionId, *const c_char, RimeBool)>,
    pub get_option: Unused,
    pub set_property: Unused,
    pub get_property: Unused,
    pub get_schema_list: Unused,
    pub free_schema_list: Unused,
    pub get_current_schema: Unused,
    pub select_schema: Option<unsafe extern "C" fn(RimeSessionId, *const c_char) -> RimeBool>,
    pub schema_open: Unused,
    pub config_open: Unused,
    pub config_close: Unused,
    pub config_get_bool: Unused,
    pub config_get_int: Unused,
    pub config_get_double: Unused,
    pub config_get_string: Unused,
    pub config_get_cstring: Unused,
    pub config_update_signature: Unused,
    pub config_begin_map: Unused,
    pub config_next: Unused,
    pub config_end: Unused,
    pub simulate_key_sequence: Unused,
    pub register_module: Unused,
    pub find_module: Unused,
    pub run_task: Unused,
    pub get_shared_data_dir: Unused,
    pub get_user_data_dir: Unused,
    pub get_sync_dir: Unused,
    pub get_user_id: Unused,
    pub get_user_data_sync_dir: Unused,
    pub config_init: Unused,
    pub config_load_string: Unused,
    pub config_set_bool: Unused,
    pub config_set_int: Unused,
    pub config_set_double: Unused,
    pub config_set_string: Unused,
    pub config_get_item: Unused,
    pub config_set_item: Unused,
    pub config_clear: Unused,
    pub config_create_list: Unused,
    pub config_create_map: Unused,
    pub config_list_size: Unused,
    pub config_begin_list: Unused,
    pub get_input: Option<unsafe extern "C" fn(RimeSessionId) -> *const c_char>,
    pub get_caret_pos: Unused,
    pub select_candidate: Option<unsafe extern "C" fn(RimeSessionId, usize) -> RimeBool>,
    pub get_version: Option<unsafe extern "C" fn() -> *const c_char>,
    pub set_caret_pos: Unused,
    pub select_candidate_on_current_page: Unused,
    pub candidate_list_begin: Unused,
    pub candidate_list_next: Option<unsafe extern "C" fn(*mut RimeCandidateListIterator) -> RimeBool>,
    pub candidate_list_end: Option<unsafe extern "C" fn(*mut RimeCandidateListIterator)>,
    pub user_config_open: Unused,
    pub candidate_list_from_index:
        Option<unsafe extern "C" fn(RimeSessionId, *mut RimeCandidateListIterator, c_int) -> RimeBool>,
}

#[link(name = "rime")]
unsafe extern "C" {
    /// The library's one entry point: a static table that lives as long as the process.
    pub fn rime_get_api() -> *mut RimeApi;
}

/// What `RIME_STRUCT_INIT` puts in `data_size`: the struct's size without that field.
pub fn data_size_of<T>() -> c_int {
    (std::mem::size_of::<T>() - std::mem::size_of::<c_int>()) as c_int
}

/// Whether the library's table reaches as far as our last function (`RIME_API_AVAILABLE`).
pub fn table_is_long_enough(data_size: c_int) -> bool {
    let needed = std::mem::offset_of!(RimeApi, candidate_list_from_index) + std::mem::size_of::<usize>()
        - std::mem::size_of::<c_int>();
    usize::try_from(data_size).is_ok_and(|have| have >= needed)
}

/// X11 key symbols rime understands (`process_key`'s keycode).
pub mod keysym {
    /// BackSpace.
    pub const BACKSPACE: i32 = 0xff08;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// Rust's idea of each struct and field, as `name value` lines, in the order the C
    /// program prints them.
    fn rust_layout() -> Vec<(String, usize)> {
        let mut out = vec![
            ("sizeof RimeTraits".to_string(), size_of::<RimeTraits>()),
            ("sizeof RimeComposition".into(), size_of::<RimeComposition>()),
            ("sizeof RimeCandidate".into(), size_of::<RimeCandidate>()),
            ("sizeof RimeMenu".into(), size_of::<RimeMenu>()),
            ("sizeof RimeCommit".into(), size_of::<RimeCommit>()),
            ("sizeof RimeContext".into(), size_of::<RimeContext>()),
            ("sizeof RimeCandidateListIterator".into(), size_of::<RimeCandidateListIterator>()),
            ("RimeTraits.user_data_dir".into(), offset_of!(RimeTraits, user_data_dir)),
            ("RimeTraits.min_log_level".into(), offset_of!(RimeTraits, min_log_level)),
            ("RimeTraits.log_dir".into(), offset_of!(RimeTraits, log_dir)),
            ("RimeTraits.staging_dir".into(), offset_of!(RimeTraits, staging_dir)),
            ("RimeContext.composition".into(), offset_of!(RimeContext, composition)),
            ("RimeContext.menu".into(), offset_of!(RimeContext, menu)),
            ("RimeComposition.preedit".into(), offset_of!(RimeComposition, preedit)),
            ("RimeMenu.candidates".into(), offset_of!(RimeMenu, candidates)),
            ("RimeCommit.text".into(), offset_of!(RimeCommit, text)),
            ("RimeCandidateListIterator.candidate".into(), offset_of!(RimeCandidateListIterator, candidate)),
        ];
        macro_rules! api {
            ($($f:ident),*) => { $( out.push((format!("RimeApi.{}", stringify!($f)), offset_of!(RimeApi, $f))); )* };
        }
        api!(
            setup,
            initialize,
            finalize,
            deployer_initialize,
            deploy_schema,
            create_session,
            destroy_session,
            process_key,
            commit_composition,
            clear_composition,
            get_commit,
            free_commit,
            get_context,
            free_context,
            set_option,
            select_schema,
            get_input,
            select_candidate,
            get_version,
            candidate_list_next,
            candidate_list_end,
            candidate_list_from_index
        );
        out
    }

    /// The same figures from the installed `rime_api.h`, by the system C compiler.
    fn c_layout(names: &[String]) -> Vec<(String, usize)> {
        let dir = std::env::temp_dir().join(format!("hall-kiosk-rime-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut c = String::from(
            "#include <stdio.h>\n#include <stddef.h>\n#include <rime_api.h>\nint main(void) {\n",
        );
        for name in names {
            let expr = match name.strip_prefix("sizeof ") {
                Some(ty) => format!("sizeof({ty})"),
                None => {
                    let (ty, field) = name.split_once('.').unwrap();
                    format!("offsetof({ty}, {field})")
                }
            };
            c.push_str(&format!("  printf(\"%s %zu\\n\", \"{name}\", (size_t){expr});\n"));
        }
        c.push_str("  return 0;\n}\n");
        std::fs::write(dir.join("layout.c"), c).unwrap();
        let status = std::process::Command::new("cc")
            .arg(dir.join("layout.c"))
            .arg("-o")
            .arg(dir.join("layout"))
            .status()
            .expect("a C compiler (cc) to check the layout against rime_api.h: run scripts/setup-debian.sh");
        assert!(
            status.success(),
            "layout.c did not compile: is librime-dev installed (scripts/setup-debian.sh)?"
        );
        let out = std::process::Command::new(dir.join("layout")).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let (name, n) = l.rsplit_once(' ').unwrap();
                (name.to_string(), n.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn layout_matches_rime_api_h() {
        let rust = rust_layout();
        let names: Vec<String> = rust.iter().map(|(n, _)| n.clone()).collect();
        let c = c_layout(&names);
        assert_eq!(c.len(), rust.len(), "the C program printed every figure");
        let wrong: Vec<String> = rust
            .iter()
            .zip(&c)
            .filter(|(r, c)| r != c)
            .map(|(r, c)| format!("{}: Rust {} vs header {}", r.0, r.1, c.1))
            .collect();
        assert!(
            wrong.is_empty(),
            "hand-written librime structs disagree with rime_api.h:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_library_table_covers_every_function_we_call() {
        // SAFETY: rime_get_api returns a pointer to a static table, or null.
        let api = unsafe { rime_get_api().as_ref() }.expect("librime returns its API table");
        assert!(table_is_long_enough(api.data_size), "data_size {}", api.data_size);
        assert!(
            !table_is_long_enough(data_size_of::<RimeApi>() - 8),
            "a table one function short is refused"
        );
        // The table in the header ends later than ours: the library's is at least as long.
        assert!(api.data_size >= data_size_of::<RimeApi>());
    }
}
