//! The zip under an XLSX, checked before the spreadsheet reader opens it: at most
//! [`limits::MAX_ZIP_ENTRIES`] entries, every part inflated through a counting reader that
//! stops past [`limits::MAX_PART_BYTES`] per part and [`limits::MAX_INFLATED_BYTES`] in
//! all (the bytes actually read, never the sizes the zip claims), and the shared-strings
//! part's count of strings (claimed and real) at most [`limits::MAX_SHARED_STRINGS`]:
//! calamine reserves room for the count the file states and reads every string when it opens
//! a workbook. Then [`Budgeted`] holds calamine's own reads to the same inflated budget.

use std::{
    cell::Cell,
    collections::HashMap,
    io::{self, Cursor, Read, Seek, SeekFrom},
    rc::Rc,
};

use super::limits;

/// What the check learnt: where each part's data starts and how far it inflates.
pub struct Parts {
    inflated: HashMap<u64, u64>,
}

/// Check the zip of `bytes`, reading every part once.
pub fn check(bytes: &[u8]) -> Result<Parts, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("The file is not a readable XLSX workbook: {e}"))?;
    if zip.len() > limits::MAX_ZIP_ENTRIES {
        return Err(format!(
            "The workbook holds {} parts; an XLSX file has at most {}.",
            zip.len(),
            limits::MAX_ZIP_ENTRIES
        ));
    }
    let mut total = 0u64;
    let mut inflated = HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("The file is not a readable XLSX workbook: {e}"))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let shared_strings = name
            .replace('\\', "/")
            .to_ascii_lowercase()
            .ends_with("sharedstrings.xml");
        let mut counted = Counted {
            inner: &mut entry,
            part: 0,
            total: &mut total,
            over: None,
        };
        let read = if shared_strings {
            count_strings(&mut counted).and_then(|()| drain(&mut counted))
        } else {
            drain(&mut counted)
        };
        let part = counted.part;
        match (read, counted.over) {
            (_, Some(over)) => return Err(over.refusal(&name)),
            (Err(e), None) => return Err(e),
            (Ok(()), None) => {}
        }
        if let Some(start) = entry.data_start() {
            // two entries may point at one part's data: charge the largest, never the smaller
            inflated
                .entry(start)
                .and_modify(|v: &mut u64| *v = (*v).max(part))
                .or_insert(part);
        }
    }
    Ok(Parts { inflated })
}

fn drain(r: &mut impl Read) -> Result<(), String> {
    io::copy(r, &mut io::sink())
        .map(|_| ())
        .map_err(|e| format!("The file is not a readable XLSX workbook: {e}"))
}

/// The cap a counting reader stopped at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    Part,
    Total,
}

impl Over {
    fn refusal(self, part: &str) -> String {
        match self {
            Over::Part => format!(
                "The workbook's part {part} inflates to more than {} MB; an XLSX file's parts are at most that.",
                limits::MAX_PART_BYTES / (1024 * 1024)
            ),
            Over::Total => total_refusal(),
        }
    }
}

pub fn total_refusal() -> String {
    format!(
        "The workbook inflates to more than {} MB; split it.",
        limits::MAX_INFLATED_BYTES / (1024 * 1024)
    )
}

/// A reader that counts what it yields and fails once a part or the total passes its cap
/// (it asks the inner reader for at most one byte more than the caps leave).
struct Counted<'a, R> {
    inner: R,
    part: u64,
    total: &'a mut u64,
    over: Option<Over>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = (limits::MAX_PART_BYTES - self.part.min(limits::MAX_PART_BYTES))
            .min(limits::MAX_INFLATED_BYTES - (*self.total).min(limits::MAX_INFLATED_BYTES));
        let want = buf
            .len()
            .min(usize::try_from(left + 1).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.part += n as u64;
        *self.total += n as u64;
        if self.part > limits::MAX_PART_BYTES {
            self.over = Some(Over::Part);
        } else if *self.total > limits::MAX_INFLATED_BYTES {
            self.over = Some(Over::Total);
        }
        match self.over {
            Some(_) => Err(io::Error::other("inflated past the cap")),
            None => Ok(n),
        }
    }
}

/// The shared strings: the count the `<sst>` element claims, then the strings themselves,
/// both at most [`limits::MAX_SHARED_STRINGS`]. Read as calamine reads it (the same
/// quick-xml, the same settings), so the element it takes the count from is this one.
fn count_strings(r: &mut impl Read) -> Result<(), String> {
    use quick_xml::events::Event;
    let too_many = || {
        format!(
            "The workbook holds more than {} distinct texts; split it.",
            limits::MAX_SHARED_STRINGS
        )
    };
    let mut xml = quick_xml::Reader::from_reader(io::BufReader::new(r));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut seen_sst = false;
    let mut strings = 0u64;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if !seen_sst && e.local_name().as_ref() == "sst" => {
                seen_sst = true;
                if claimed(e.attributes_raw())
                    .any(|n| n.is_none_or(|n| n > limits::MAX_SHARED_STRINGS))
                {
                    return Err(too_many());
                }
            }
            Ok(Event::Start(e)) if seen_sst && e.local_name().as_ref() == "si" => {
                strings += 1;
                if strings > limits::MAX_SHARED_STRINGS {
                    return Err(too_many());
                }
            }
            // calamine refuses what does not parse; its own error will say so
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Every count an element's attributes state as `uniqueCount`, however written: `None` for
/// one that is not a plain number.
fn claimed(raw: &str) -> impl Iterator<Item = Option<u64>> + '_ {
    raw.match_indices("uniqueCount").map(move |(at, key)| {
        let rest = raw[at + key.len()..].trim_start();
        let rest = rest.strip_prefix('=')?.trim_start();
        let rest = rest.strip_prefix(['"', '\''])?;
        let digits: &str = &rest[..rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len())];
        digits.parse::<u64>().ok()
    })
}

/// The workbook's bytes as calamine reads them: each time it starts inflating a part (the
/// zip seeks to the part's data), the part's inflated size is charged to a budget of
/// [`limits::MAX_INFLATED_BYTES`]; past it every read fails. A workbook that names one
/// large part as many sheets is stopped here.
pub struct Budgeted<'a> {
    inner: Cursor<&'a [u8]>,
    parts: Parts,
    spent: u64,
    pub over: Rc<Cell<bool>>,
}

impl<'a> Budgeted<'a> {
    pub fn new(bytes: &'a [u8], parts: Parts) -> Self {
        Budgeted {
            inner: Cursor::new(bytes),
            parts,
            spent: 0,
            over: Rc::new(Cell::new(false)),
        }
    }
}

impl Read for Budgeted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.over.get() {
            return Err(io::Error::other("inflated past the cap"));
        }
        self.inner.read(buf)
    }
}

impl Seek for Budgeted<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(to)?;
        if let Some(size) = self.parts.inflated.get(&at) {
            self.spent += size;
            if self.spent > limits::MAX_INFLATED_BYTES {
                self.over.set(true);
            }
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_writing_a_count_is_read() {
        let all = |raw: &str| claimed(raw).collect::<Vec<_>>();
        assert_eq!(all(r#"xmlns="x" count="3" uniqueCount="2""#), vec![Some(2)]);
        assert_eq!(all("uniqueCount = '7'"), vec![Some(7)]);
        assert_eq!(all(r#"uniqueCount="99999999999999999999999""#), vec![None]);
        assert_eq!(all(r#"uniqueCount="+5""#), vec![None]);
        assert_eq!(all(r#"a="1""#), Vec::<Option<u64>>::new());
    }
}
