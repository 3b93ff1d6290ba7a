//! Numbers as Chinese reports write them in running text: `3119`, `３１１９`, `1,234`,
//! `1，234`, `398.58万`, `三十五`, `一百零二`, `两千三百`, `三万`.
//!
//! Only the forms that say one exact figure are read. The colloquial abbreviations (`一百五`
//! for 150, `三万五` for 35,000), runs of digits without units (`三五` is "three or five",
//! `二〇二四` a year), and a bare `百` / `千` / `万` (`百余件`, `上千件`) are refused: read the
//! literal way they would give a wrong figure, and a wrong figure is a false warning.

/// An exact decimal, `mantissa × 10^exponent`. The exponent is also the precision the text
/// wrote: `398.58万` is 39858 × 10², a figure given to the hundred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub mantissa: u128,
    pub exponent: i32,
}

impl Figure {
    pub fn integer(value: u64) -> Figure {
        Figure {
            mantissa: u128::from(value),
            exponent: 0,
        }
    }

    /// A plain decimal as the data file holds it (`96171.6`, `0`), in its own unit.
    pub fn parse_decimal(text: &str) -> Option<Figure> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = int.len() + frac.len();
        if int.is_empty() || digits > MAX_DIGITS {
            return None;
        }
        let mut mantissa: u128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            mantissa = mantissa * 10 + u128::from(b - b'0');
        }
        Some(Figure {
            mantissa,
            exponent: -(frac.len() as i32),
        })
    }

    /// The same figure in a unit `10^places` times smaller (万元 → 元: 4).
    pub fn scaled(self, places: i32) -> Figure {
        Figure {
            exponent: self.exponent + places,
            ..self
        }
    }

    /// Whether a figure written in the text (`self`) says `table`: equal when the text is at
    /// least as precise as the table; otherwise equal to the table's value rounded, or cut, to
    /// the text's precision (`398.58万` says 3,985,758, as does `398.57万`).
    pub fn says(self, table: Figure) -> bool {
        if self.exponent <= table.exponent {
            let shift = (table.exponent - self.exponent) as u32;
            // A figure too large to line up says something no table holds: not a claim to judge.
            return match pow10(shift).and_then(|p| table.mantissa.checked_mul(p)) {
                Some(t) => t == self.mantissa,
                None => true,
            };
        }
        let shift = (self.exponent - table.exponent) as u32;
        let Some(p) = pow10(shift) else {
            // Coarser than any table figure: it rounds every table figure to 0.
            return self.mantissa == 0;
        };
        let cut = table.mantissa / p;
        let rounded = cut + u128::from(table.mantissa % p >= p.div_ceil(2));
        self.mantissa == cut || self.mantissa == rounded
    }

    /// The integer the figure is, when it is one (`三万` is 30000).
    pub fn as_integer(self) -> Option<u128> {
        if self.exponent < 0 {
            return None;
        }
        pow10(self.exponent as u32).and_then(|p| self.mantissa.checked_mul(p))
    }
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

/// Digits a figure may have: far beyond any report's, well within `u128`.
const MAX_DIGITS: usize = 30;

/// A number read at the start of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub figure: Figure,
    /// Bytes of the text the number took.
    pub len: usize,
    /// Written with Chinese numerals.
    pub chinese: bool,
    /// Written as a round figure ending on 万 or 亿 (`400万`, `三万`, not `3.5万`'s neighbour
    /// `三万五千`): such a figure is given only to its last non-zero digit.
    pub round: bool,
}

impl Reading {
    /// The figure at the precision the text gave it: `400万` is 4 × 10⁶, `3.5万` 35 × 10³.
    pub fn as_given(&self) -> Figure {
        if !self.round {
            return self.figure;
        }
        let (mut mantissa, mut exponent) = (self.figure.mantissa, self.figure.exponent);
        while mantissa != 0 && mantissa.is_multiple_of(10) {
            mantissa /= 10;
            exponent += 1;
        }
        Figure { mantissa, exponent }
    }
}

/// `0`–`9` and the full-width `０`–`９`.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// What one Chinese numeral character is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numeral {
    Zero,
    Digit(u128),
    /// 十, 百, 千: the power of ten.
    Small(u32),
    /// 万, 亿: the power of ten.
    Large(u32),
}

fn numeral(c: char) -> Option<Numeral> {
    use Numeral::*;
    Some(match c {
        '零' | '〇' => Zero,
        '一' | '壹' => Digit(1),
        '二' | '两' | '贰' => Digit(2),
        '三' | '叁' => Digit(3),
        '四' | '肆' => Digit(4),
        '五' | '伍' => Digit(5),
        '六' | '陆' => Digit(6),
        '七' | '柒' => Digit(7),
        '八' | '捌' => Digit(8),
        '九' | '玖' => Digit(9),
        '十' | '拾' => Small(1),
        '百' | '佰' => Small(2),
        '千' | '仟' => Small(3),
        '万' => Large(4),
        '亿' => Large(8),
        _ => return None,
    })
}

pub fn is_chinese_numeral(c: char) -> bool {
    numeral(c).is_some()
}

/// Bytes of the Chinese numerals that open `text`.
pub fn chinese_run(text: &str) -> usize {
    text.chars()
        .take_while(|c| is_chinese_numeral(*c))
        .map(char::len_utf8)
        .sum()
}

/// The number that opens `text`, Arabic or Chinese; `None` when the text opens with no number
/// or with one that is not written as an exact figure.
pub fn read(text: &str) -> Option<Reading> {
    let first = text.chars().next()?;
    if digit_value(first).is_some() {
        read_arabic(text)
    } else {
        let run = chinese_run(text);
        let (value, round) = chinese_value(&text[..run])?;
        Some(Reading {
            figure: Figure {
                mantissa: value,
                exponent: 0,
            },
            len: run,
            chinese: true,
            round,
        })
    }
}

/// Digits with optional thousands separators (`,` or `，` before each group of exactly three), an
/// optional decimal part (`.` or `．`), then an optional 万 or 亿.
fn read_arabic(text: &str) -> Option<Reading> {
    let mut mantissa: u128 = 0;
    let mut digits = 0;
    let mut at = 0;
    let mut push = |d: u32, digits: &mut usize| -> Option<()> {
        *digits += 1;
        if *digits > MAX_DIGITS {
            return None;
        }
        mantissa = mantissa * 10 + u128::from(d);
        Some(())
    };
    // The leading digits.
    let mut leading = 0;
    for c in text.chars() {
        let Some(d) = digit_value(c) else { break };
        push(d, &mut digits)?;
        leading += 1;
        at += c.len_utf8();
    }
    if leading == 0 {
        return None;
    }
    // Groups of three after a separator, when the leading digits could open such a number.
    if leading <= 3 {
        loop {
            let rest = &text[at..];
            let Some(sep) = rest.chars().next().filter(|c| matches!(c, ',' | '，')) else {
                break;
            };
            let tail = &rest[sep.len_utf8()..];
            let group: Vec<u32> = tail.chars().map_while(digit_value).take(4).collect();
            if group.len() != 3 {
                break;
            }
            for &d in &group {
                push(d, &mut digits)?;
            }
            let group_len: usize = tail.chars().take(3).map(char::len_utf8).sum();
            at += sep.len_utf8() + group_len;
        }
    }
    // The decimal part.
    let mut exponent = 0i32;
    let rest = &text[at..];
    if let Some(point) = rest.chars().next().filter(|c| matches!(c, '.' | '．')) {
        let after = &rest[point.len_utf8()..];
        let fraction: Vec<u32> = after.chars().map_while(digit_value).collect();
        if !fraction.is_empty() {
            for &d in &fraction {
                push(d, &mut digits)?;
            }
            exponent = -(fraction.len() as i32);
            at += point.len_utf8()
                + after
                    .chars()
                    .take(fraction.len())
                    .map(char::len_utf8)
                    .sum::<usize>();
        }
    }
    let multiplier = match text[at..].chars().next() {
        Some('万') => 4,
        Some('亿') => 8,
        _ => 0,
    };
    if multiplier > 0 {
        at += '万'.len_utf8();
    }
    Some(Reading {
        figure: Figure {
            mantissa,
            exponent: exponent + multiplier,
        },
        len: at,
        chinese: false,
        round: multiplier > 0 && exponent == 0,
    })
}

/// The value of a run of Chinese numerals written the standard way: 十 alone is 10, 二十 is 20,
/// 一百零二 is 102, 两千三百 is 2300, 三万 is 30000, 一亿二千万 is 120000000.
pub fn chinese(run: &str) -> Option<Figure> {
    chinese_value(run).map(|(mantissa, _)| Figure {
        mantissa,
        exponent: 0,
    })
}

/// [`chinese`]'s value, and whether it ends on 万 or 亿 (a round figure).
fn chinese_value(run: &str) -> Option<(u128, bool)> {
    let mut total: u128 = 0;
    // The part below the last 万 or 亿 read.
    let mut section: u128 = 0;
    let mut digit: Option<u128> = None;
    // A 零 since the last unit: the place it skips may be passed over.
    let mut zero = false;
    let mut small: Option<u32> = None;
    let mut large: Option<u32> = None;
    let mut ended_on_large = false;
    let mut count = 0;
    for c in run.chars() {
        count += 1;
        ended_on_large = false;
        match numeral(c)? {
            Numeral::Zero => {
                if digit.is_some() || zero {
                    return None;
                }
                zero = true;
            }
            Numeral::Digit(d) => {
                if digit.is_some() {
                    return None; // 二三: two digits with no unit between them
                }
                digit = Some(d);
            }
            Numeral::Small(u) => {
                let next_place_ok = match small {
                    // 一千二百: each unit one place below the last; after 零, any lower place.
                    Some(s) => u < s && (u + 1 == s || zero),
                    // After 万 or 亿, the section opens at 千 unless a 零 says a place is skipped.
                    None if large.is_some() => u == 3 || zero,
                    None => true,
                };
                if !next_place_ok {
                    return None;
                }
                let d = match digit.take() {
                    Some(d) => d,
                    // 十 alone stands for 一十 at the start of a number, and after 零 (一百零十).
                    None if u == 1 && ((total == 0 && section == 0 && large.is_none()) || zero) => {
                        1
                    }
                    None => return None,
                };
                section += d * 10u128.pow(u);
                small = Some(u);
                zero = false;
            }
            Numeral::Large(u) => {
                if let Some(d) = digit.take() {
                    if !ones_digit_ok(small, large, zero) {
                        return None;
                    }
                    section += d;
                }
                if section == 0 || large.is_some_and(|l| u >= l) {
                    return None; // 万 alone, 零万, 万亿, 亿亿
                }
                total += section * 10u128.pow(u);
                section = 0;
                small = None;
                zero = false;
                large = Some(u);
                ended_on_large = true;
            }
        }
    }
    if count == 0 {
        return None;
    }
    if let Some(d) = digit {
        if !ones_digit_ok(small, large, zero) {
            return None;
        }
        section += d;
    } else if zero && count > 1 {
        // A lone 零 (or 〇) is 0; a trailing one (一百零) says nothing.
        return None;
    }
    Some((total + section, ended_on_large))
}

/// Whether a digit with no unit after it is the ones digit: alone, after 十, or after a 零. In
/// 一百五 or 三万五 it is shorthand for the next place down (150, 35,000), which is refused.
fn ones_digit_ok(small: Option<u32>, large: Option<u32>, zero: bool) -> bool {
    zero || small == Some(1) || (small.is_none() && large.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> Option<u128> {
        chinese(text).and_then(Figure::as_integer)
    }

    #[test]
    fn chinese_numerals_the_standard_way() {
        for (text, value) in [
            ("零", 0),
            ("〇", 0),
            ("一", 1),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("三十五", 35),
            ("一百", 100),
            ("一百零二", 102),
            ("一百一十", 110),
            ("一百零十", 110),
            ("一千零二十", 1020),
            ("两千三百", 2300),
            ("两千零五", 2005),
            ("九千九百九十九", 9999),
            ("三万", 30_000),
            ("三万五千", 35_000),
            ("十三万", 130_000),
            ("三万零五", 30_005),
            ("一亿二千万", 120_000_000),
            ("叁拾伍", 35),
            ("壹佰零贰", 102),
        ] {
            assert_eq!(int(text), Some(value), "{text}");
        }
        // A figure ending on 万 or 亿 is given to its last non-zero digit; others are exact.
        let given = |t: &str| {
            let r = read(t).unwrap();
            (r.as_given().mantissa, r.as_given().exponent)
        };
        assert_eq!(given("三万"), (3, 4));
        assert_eq!(given("四百万"), (4, 6));
        assert_eq!(given("一亿二千万"), (12, 7));
        assert_eq!(given("三万五千"), (35_000, 0));
        assert_eq!(given("三十"), (30, 0));
        assert_eq!(given("400万"), (4, 6));
        assert_eq!(given("3.5万"), (35, 3));
        assert_eq!(given("400"), (400, 0));
    }

    #[test]
    fn shorthand_runs_and_bare_units_are_refused() {
        for text in [
            "",
            "二三",
            "三五",
            "二〇二四",
            "三零",
            "一百五",
            "三万五",
            "两千三",
            "一万二",
            "百",
            "千",
            "万",
            "亿",
            "亿亿亿",
            "万万",
            "万亿",
            "零万",
            "一百零",
            "零零",
            "十十",
            "十百",
            "一百二百",
            "一千二十",
            "三万二十",
            "三亿五万",
            "一百三万",
            "x",
        ] {
            assert_eq!(chinese(text), None, "{text}");
        }
    }

    #[test]
    fn arabic_numbers_with_separators_decimals_and_multipliers() {
        let r = |text: &str| read(text).map(|r| (r.figure.mantissa, r.figure.exponent, r.len));
        assert_eq!(r("3119件"), Some((3119, 0, 4)));
        assert_eq!(r("３１１９件"), Some((3119, 0, 12)));
        assert_eq!(r("1,234件"), Some((1234, 0, 5)));
        assert_eq!(r("1，234件"), Some((1234, 0, 7)));
        assert_eq!(r("12,345,678件"), Some((12_345_678, 0, 10)));
        assert_eq!(r("398.58万件"), Some((39858, 2, 9)));
        assert_eq!(r("3万件"), Some((3, 4, 4)));
        assert_eq!(r("96171.6万元"), Some((961_716, 3, 10)));
        assert_eq!(r("12.50元"), Some((1250, -2, 5)));
        // A separator not before exactly three digits is not one.
        assert_eq!(r("1，23件"), Some((1, 0, 1)));
        assert_eq!(r("1，2345件"), Some((1, 0, 1)));
        assert_eq!(r("1234,567"), Some((1234, 0, 4)));
        assert_eq!(r("１，"), Some((1, 0, 3)));
        assert_eq!(r("5."), Some((5, 0, 1)));
        assert_eq!(r(&"9".repeat(31)), None);
        assert_eq!(r("三十五件"), Some((35, 0, 9)));
        assert_eq!(r("件"), None);
    }

    #[test]
    fn a_coarser_figure_says_the_table_rounded_or_cut() {
        let read_fig = |t: &str| read(t).unwrap().as_given();
        let table = Figure::integer(3_985_758);
        assert!(read_fig("398.58万").says(table));
        assert!(read_fig("398.57万").says(table));
        assert!(!read_fig("398.59万").says(table));
        assert!(read_fig("3985758").says(table));
        assert!(!read_fig("3985757").says(table));
        assert!(read_fig("四百万").says(table));
        // Exactly as numbers: 12.5 万元 is 12.50 万元 is 125000 元.
        let fee = Figure::parse_decimal("12.50").unwrap();
        assert!(read_fig("12.5").says(fee));
        assert!(read_fig("12.500").says(fee));
        assert!(!read_fig("12.51").says(fee));
        assert!(read_fig("125000").scaled(-4).says(fee));
        assert!(read_fig("13").says(fee) && read_fig("12").says(fee));
        assert!(!read_fig("11").says(fee));
        // A figure too coarse for u128 rounds every table figure to 0; one too fine is not judged.
        let huge = Figure {
            mantissa: 1,
            exponent: 60,
        };
        assert!(!huge.says(table));
        assert!(Figure::integer(1).says(huge));
    }

    #[test]
    fn table_decimals_parse_exactly() {
        assert_eq!(
            Figure::parse_decimal("96171.6"),
            Some(Figure {
                mantissa: 961_716,
                exponent: -1
            })
        );
        assert_eq!(Figure::parse_decimal("0"), Some(Figure::integer(0)));
        assert_eq!(Figure::parse_decimal("1.2.3"), None);
        assert_eq!(Figure::parse_decimal(".5"), None);
    }
}
