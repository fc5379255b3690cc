//! Opening a plugin library and resolving its `plugin_*` symbols.
//!
//! Libraries are opened with `RTLD_NOW | RTLD_LOCAL` (as libs does since 0.8: every symbol is
//! resolved up front, and nothing leaks into the global namespace; Node loads its addons the
//! same way) and are never closed: Go c-shared libraries cannot be unloaded, and a plugin's
//! thread-local destructors would crash at thread exit.

use std::ffi::c_void;
use std::path::Path;
use std::ptr::NonNull;

use crate::error::{ErrorKind, HostError};

/// The address of an exported function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sym(NonNull<c_void>);

// Function addresses inside a library that is never unloaded are immutable.
unsafe impl Send for Sym {}
unsafe impl Sync for Sym {}

impl Sym {
    /// Reinterprets the address as a function pointer type.
    ///
    /// # Safety
    /// `F` must be the exported function's real signature for the plugin's generation.
    pub unsafe fn cast<F: Copy>(self) -> F {
        const { assert!(std::mem::size_of::<F>() == std::mem::size_of::<*const c_void>()) };
        unsafe { std::mem::transmute_copy(&self.0) }
    }
}

macro_rules! exports {
    ($($name:ident),* $(,)?) => {
        /// Every `plugin_*` symbol any generation defines; `None` when not exported.
        #[derive(Clone, Debug, Default)]
        pub struct Exports {
            $(pub $name: Option<Sym>,)*
            /// A Go c-shared library (it exports cgo's `crosscall2`).
            pub go_runtime: bool,
        }

        impl Exports {
            fn resolve(lib: &libloading::os::unix::Library) -> Exports {
                Exports {
                    $($name: lookup(lib, concat!("plugin_", stringify!($name), "\0")),)*
                    go_runtime: lookup(lib, "crosscall2\0").is_some(),
                }
            }

            /// A symbol by its name without the `plugin_` prefix.
            pub fn get(&self, name: &str) -> Option<Sym> {
                match name {
                    $(stringify!($name) => self.$name,)*
                    _ => None,
                }
            }

            /// The names of the exported symbols, `plugin_` prefixed.
            pub fn names(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $(if self.$name.is_some() { v.push(concat!("plugin_", stringify!($name))); })*
                v
            }
        }
    };
}

exports!(
    get_required_api_version,
    get_type,
    get_init_schema,
    init,
    destroy,
    get_last_error,
    get_name,
    get_description,
    get_contact,
    get_version,
    get_id,
    get_event_source,
    open,
    close,
    list_open_params,
    get_progress,
    event_to_string,
    next,
    next_batch,
    free_mem,
    get_extract_event_types,
    get_extract_event_sources,
    get_fields,
    extract_fields,
    get_parse_event_types,
    get_parse_event_sources,
    parse_event,
    get_async_event_sources,
    get_async_events,
    set_async_event_handler,
    dump_state,
    set_config,
    get_metrics,
    capture_open,
    capture_close,
    get_required_event_schema_version,
);

fn lookup(lib: &libloading::os::unix::Library, name: &str) -> Option<Sym> {
    let cname = std::ffi::CStr::from_bytes_with_nul(name.as_bytes()).ok()?;
    // SAFETY: only the address is taken; it is typed later by the generation's signature.
    let sym = unsafe { lib.get::<*mut c_void>(cname) }.ok()?;
    NonNull::new(sym.into_raw()).map(Sym)
}

/// The loader's own reason (`dlerror`) for a library that does not load. When libloading got no
/// text (another `dl*` call in between), the loading is tried once more here and `dlerror` read
/// at once, and a file that is not an ELF object is named as such.
fn why_not_loaded(path: &Path, e: &libloading::Error) -> String {
    // libloading shows "dlopen failed" and keeps dlerror's text as the source
    if let Some(source) = std::error::Error::source(e) {
        return source.to_string();
    }
    let text = e.to_string();
    if !matches!(e, libloading::Error::DlOpenUnknown) {
        return text;
    }
    if let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) {
        // SAFETY: plain dlopen/dlerror; a handle obtained here is leaked like every plugin's.
        unsafe {
            if libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL).is_null() {
                let err = libc::dlerror();
                if !err.is_null() {
                    return std::ffi::CStr::from_ptr(err).to_string_lossy().into_owned();
                }
            }
        }
    }
    let mut head = [0u8; 4];
    let is_elf = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && head == *b"\x7fELF";
    if is_elf {
        text
    } else {
        "not an ELF shared object (dlopen refused it)".to_string()
    }
}

/// Opens `path` and resolves its exports. The library handle is leaked on purpose.
pub fn open(path: &Path) -> Result<Exports, HostError> {
    use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
    if !path.exists() {
        return Err(HostError::new(
            ErrorKind::Load,
            format!("cannot load plugin {}: no such file", path.display()),
        ));
    }
    // SAFETY: loading a plugin runs its initialisers; that is what hosting a plugin means.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
        .map_err(|e| HostError::new(ErrorKind::Load, format!("cannot load plugin {}: {}", path.display(), why_not_loaded(path, &e))))?;
    let exports = Exports::resolve(&lib);
    // Never dlclose: see the module comment.
    let _ = lib.into_raw();
    Ok(exports)
}
