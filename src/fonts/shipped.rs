//! The open fonts of `fonts/` (see `fonts/README.md`), built into the program so that a copied
//! executable renders without its source tree.
//!
//! They are stored whole and uncompressed: the executable is mapped into memory, so a process
//! reads only the pages of the tables and glyphs it touches, where decompressing the five
//! faces a report uses would cost every process tens of milliseconds (measured in the commit
//! that added this module). Unmodified, they give the same PDF bytes as the files themselves.

/// A shipped font file: its name in `fonts/` and its contents.
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    pub file: &'static str,
    pub data: &'static [u8],
}

macro_rules! shipped {
    ($($file:literal),* $(,)?) => {
        [$(Shipped {
            file: $file,
            data: include_bytes!(concat!("../../fonts/", $file)),
        }),*]
    };
}

/// Every shipped font file, in the order of `fonts/README.md`.
pub static SHIPPED: [Shipped; 5] = shipped![
    "NotoSerifSC_700Bold.ttf",
    "NotoSerifSC_400Regular.ttf",
    "ZhuqueFangsong-Regular.ttf",
    "NotoSansSC_400Regular.ttf",
    "LXGWWenKai-Regular.ttf",
];
