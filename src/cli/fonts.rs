//! `nianbao fonts`: which file serves each font role.

use super::args::FontsArgs;
use super::render::{load_fonts, load_template};
use super::{Status, out, print_diagnostics};
use crate::fonts::Chain;

pub fn run(args: &FontsArgs) -> Status {
    let template = match load_template(args.template.as_deref(), None) {
        Ok(t) => t,
        Err(d) => {
            print_diagnostics(&d);
            return Status::Failed;
        }
    };
    let fonts = match load_fonts(template.style(), &args.fonts) {
        Ok(f) => f,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let mut text = String::new();
    for chain in Chain::ALL {
        text.push_str(&format!("{}  [{}]\n", chain.zh(), chain.name()));
        let mut used = false;
        for entry in fonts.chain(chain) {
            match entry.face {
                Some(id) => {
                    let face = fonts.face(id);
                    let mark = if used { "  备用" } else { "→ 使用" };
                    used = true;
                    let origin = if face.bundled {
                        "随附，内置于程序"
                    } else {
                        "本机"
                    };
                    text.push_str(&format!(
                        "    {mark} {}：{}（{origin}，{} {}）\n",
                        entry.family,
                        face.path.display(),
                        face.family,
                        face.weight
                    ));
                }
                None => text.push_str(&format!("      未找到 {}\n", entry.family)),
            }
        }
        if !used {
            text.push_str("    （没有可用的字体：数字和西文使用各角色自己的字体）\n");
        }
    }
    out(&text);
    Status::Ok
}
