//! Streaming reader of one file of the legacy export (DESIGN §3.1, §3.2).
//!
//! UTF-8 CSV as SQL Server exports it: a header row, an optional UTF-8 byte-order mark,
//! CRLF or LF line ends, `"`-quoted fields that may hold commas, doubled quotes and line
//! breaks. Fields are trimmed. Columns are found by name in the header, in any order;
//! extra columns are ignored and a missing one is a [`FatalError`] for the file.
//!
//! Every record carries the **physical line** of the file where it starts (the header is
//! line 1; blank lines count; a record whose quoted field spans lines has the line of its
//! first character). The `csv` crate's own line numbers lag behind with CRLF files, so the
//! line of each record is worked out from the offsets of the line-end bytes seen on the
//! way in, keeping only the few not yet passed.
//!
//! The file is read through a buffer, record by record: memory does not grow with its size.

use std::collections::VecDeque;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use csv::ByteRecord;

use super::files::{LegacyFile, Refusal, RefusalCode};

/// An error that stops the reading of a whole file: nothing of it can be imported.
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    /// The file cannot be opened or read.
    #[error("{file}: cannot be read: {source}")]
    Io {
        /// Which file.
        file: LegacyFile,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file has no header row.
    #[error("{file}: the file is empty (no header row)")]
    Empty {
        /// Which file.
        file: LegacyFile,
    },
    /// The header row is not valid UTF-8.
    #[error("{file}: the header row is not valid UTF-8")]
    HeaderNotUtf8 {
        /// Which file.
        file: LegacyFile,
    },
    /// A required column is not in the header.
    #[error("{file}: the header has no column `{column}`")]
    MissingColumn {
        /// Which file.
        file: LegacyFile,
        /// The column's name.
        column: &'static str,
    },
    /// A required column appears twice in the header.
    #[error("{file}: the column `{column}` appears twice in the header")]
    DuplicateColumn {
        /// Which file.
        file: LegacyFile,
        /// The column's name.
        column: &'static str,
    },
}

impl FatalError {
    /// The file the error is about.
    pub fn file(&self) -> LegacyFile {
        match self {
            Self::Io { file, .. }
            | Self::Empty { file }
            | Self::HeaderNotUtf8 { file }
            | Self::MissingColumn { file, .. }
            | Self::DuplicateColumn { file, .. } => *file,
        }
    }

    /// The error in Persian, for the operator's report.
    pub fn message_fa(&self) -> String {
        match self {
            Self::Io { file, .. } => format!("پرونده {file} خوانده نمی‌شود"),
            Self::Empty { file } => format!("پرونده {file} خالی است (سطر عنوان ندارد)"),
            Self::HeaderNotUtf8 { file } => {
                format!("سطر عنوان پرونده {file} با UTF-8 خوانده نمی‌شود")
            }
            Self::MissingColumn { file, column } => {
                format!("ستون «{column}» در سطر عنوان پرونده {file} نیست")
            }
            Self::DuplicateColumn { file, column } => {
                format!("ستون «{column}» در سطر عنوان پرونده {file} دو بار آمده است")
            }
        }
    }
}

/// One record of a file: its physical line and its trimmed fields, by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// The file it comes from.
    pub file: LegacyFile,
    /// The physical line where the record starts (the header is line 1).
    pub line: u64,
    /// The fields in the order of [`LegacyFile::columns`].
    fields: Vec<String>,
}

impl RawRecord {
    /// The trimmed value of `column` (one of [`LegacyFile::columns`]; empty for any other).
    pub fn get(&self, column: &str) -> &str {
        let index = self.file.columns().iter().position(|c| *c == column);
        debug_assert!(index.is_some(), "{column} is not a column of {}", self.file);
        index
            .and_then(|i| self.fields.get(i))
            .map_or("", String::as_str)
    }

    /// A refusal of this record.
    pub fn refuse(
        &self,
        code: RefusalCode,
        field: Option<&'static str>,
        message: impl Into<String>,
        message_fa: impl Into<String>,
    ) -> Refusal {
        Refusal {
            file: self.file,
            line: self.line,
            reason_code: code,
            field,
            message: message.into(),
            message_fa: message_fa.into(),
        }
    }
}

/// What the reader yields for each record: the record, or its refusal (invalid UTF-8, a
/// wrong number of fields); the outer error stops the file.
pub type ReadItem = Result<Result<RawRecord, Refusal>, FatalError>;

/// Reads the records of one export file, one at a time.
pub struct LegacyReader<R: Read> {
    /// Which file.
    file: LegacyFile,
    /// The CSV parser, over the line tracker.
    csv: csv::Reader<LineTracker<R>>,
    /// For each expected column, its index in the file's records.
    index: Vec<usize>,
    /// Number of fields of the header.
    header_len: usize,
    /// Reused buffer.
    record: ByteRecord,
    /// Set after the end or a fatal error.
    done: bool,
}

impl LegacyReader<File> {
    /// Opens `dir/<file name>` and checks its header.
    pub fn open(dir: &Path, file: LegacyFile) -> Result<Self, FatalError> {
        let handle = File::open(dir.join(file.file_name()))
            .map_err(|source| FatalError::Io { file, source })?;
        Self::from_reader(file, handle)
    }
}

impl<R: Read> LegacyReader<R> {
    /// Reads `file` from `reader` (buffered here) and checks its header.
    pub fn from_reader(file: LegacyFile, reader: R) -> Result<Self, FatalError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(reader));
        let mut header = ByteRecord::new();
        let found = csv
            .read_byte_record(&mut header)
            .map_err(|e| csv_fatal(file, e))?;
        if !found {
            return Err(FatalError::Empty { file });
        }
        let names = header
            .iter()
            .map(|f| std::str::from_utf8(f).map(|s| s.trim().to_ascii_lowercase()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| FatalError::HeaderNotUtf8 { file })?;
        let mut index = Vec::with_capacity(file.columns().len());
        for &column in file.columns() {
            let mut at = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_str() == column)
                .map(|(i, _)| i);
            match (at.next(), at.next()) {
                (Some(i), None) => index.push(i),
                (None, _) => return Err(FatalError::MissingColumn { file, column }),
                (Some(_), Some(_)) => return Err(FatalError::DuplicateColumn { file, column }),
            }
        }
        // Forget the header's line ends.
        let next = csv.position().byte();
        csv.get_mut().line_at(next);
        Ok(Self {
            file,
            csv,
            index,
            header_len: names.len(),
            record: ByteRecord::new(),
            done: false,
        })
    }

    /// Which file this is.
    pub fn file(&self) -> LegacyFile {
        self.file
    }

    /// Turns the current raw record into a [`RawRecord`] or its refusal.
    fn convert(&self, line: u64) -> Result<RawRecord, Refusal> {
        let refusal = |code, message: String, message_fa: String| Refusal {
            file: self.file,
            line,
            reason_code: code,
            field: None,
            message,
            message_fa,
        };
        if self.record.len() != self.header_len {
            return Err(refusal(
                RefusalCode::WrongFieldCount,
                format!(
                    "the row has {} fields, the header {}",
                    self.record.len(),
                    self.header_len
                ),
                format!(
                    "این سطر {} ستون دارد و سطر عنوان {} ستون",
                    self.record.len(),
                    self.header_len
                ),
            ));
        }
        let mut fields = Vec::with_capacity(self.index.len());
        for (&i, &column) in self.index.iter().zip(self.file.columns()) {
            let raw = self.record.get(i).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s.trim().to_owned()),
                Err(_) => {
                    return Err(Refusal {
                        field: Some(column),
                        ..refusal(
                            RefusalCode::InvalidUtf8,
                            format!("the column {column} is not valid UTF-8"),
                            format!("ستون {column} با UTF-8 خوانده نمی‌شود"),
                        )
                    });
                }
            }
        }
        Ok(RawRecord {
            file: self.file,
            line,
            fields,
        })
    }
}

impl<R: Read> Iterator for LegacyReader<R> {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        if self.done {
            return None;
        }
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {
                let start = self.record.position().map_or(0, csv::Position::byte);
                let line = self.csv.get_mut().line_at(start);
                Some(Ok(self.convert(line)))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(csv_fatal(self.file, e)))
            }
        }
    }
}

/// A `csv` error (with `flexible` and byte records only I/O remains) as a fatal error.
fn csv_fatal(file: LegacyFile, e: csv::Error) -> FatalError {
    let source = if e.is_io_error() {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => io,
            other => io::Error::other(format!("{other:?}")),
        }
    } else {
        io::Error::other(e.to_string())
    };
    FatalError::Io { file, source }
}

/// A reader that notes the offsets of the line-end bytes (`\r`, `\n`) passing through it,
/// so that the physical line of a record can be told from the byte offset where the CSV
/// parser says it starts (which may be inside the previous record's CRLF, before blank
/// lines). Offsets behind the current record are dropped: memory stays bounded by the
/// parser's buffer.
struct LineTracker<R> {
    /// The file.
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Line-end bytes not yet passed: offset, and whether it is `\n`.
    ends: VecDeque<(u64, bool)>,
    /// `\n` bytes already passed.
    newlines_before: u64,
}

impl<R> LineTracker<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            ends: VecDeque::new(),
            newlines_before: 0,
        }
    }

    /// The physical line (1-based) of the first byte at or after `start` that is not a line
    /// end. Everything before that byte is forgotten, so calls must come in file order.
    fn line_at(&mut self, start: u64) -> u64 {
        let mut first = start;
        while let Some(&(at, newline)) = self.ends.front() {
            if at > first {
                break;
            }
            if at == first {
                first += 1;
            }
            if newline {
                self.newlines_before += 1;
            }
            self.ends.pop_front();
        }
        self.newlines_before + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf.iter().take(n).enumerate() {
            if b == b'\n' || b == b'\r' {
                self.ends.push_back((self.offset + i as u64, b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(file: LegacyFile, data: &[u8]) -> Vec<Result<RawRecord, Refusal>> {
        LegacyReader::from_reader(file, data)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn lines(items: &[Result<RawRecord, Refusal>]) -> Vec<u64> {
        items
            .iter()
            .map(|i| match i {
                Ok(r) => r.line,
                Err(r) => r.line,
            })
            .collect()
    }

    #[test]
    fn legacy_reader_physical_lines_crlf_bom_blank_and_multiline() {
        let data = "\u{FEFF}officer_national_code,distributor_legacy_id,started_at_jalali\r\n\
                    0076229645,D1,1400/01/01\r\n\
                    \r\n\
                    0076229645,\"D\r\n2, with comma\",1400/01/02\r\n\
                    a,b,c\r\n\
                    \r\n\
                    \r\n\
                    x,\"\"\"quoted\"\"\",z\r\n\
                    p,q,r";
        let items = read_all(LegacyFile::Assignments, data.as_bytes());
        assert_eq!(lines(&items), [2, 4, 6, 9, 10]);
        let r = items[1].as_ref().unwrap();
        assert_eq!(r.get("distributor_legacy_id"), "D\r\n2, with comma");
        assert_eq!(
            items[3].as_ref().unwrap().get("distributor_legacy_id"),
            "\"quoted\""
        );
        assert_eq!(items[4].as_ref().unwrap().get("started_at_jalali"), "r");
    }

    #[test]
    fn legacy_reader_physical_lines_lf_and_cr_inside_fields() {
        let data = "officer_national_code,distributor_legacy_id,started_at_jalali\n\
                    1,\"a\n\nb\",c\n\
                    2,\"x\r\ny\r\nz\",c\n\n\
                    3,b,c\n";
        let items = read_all(LegacyFile::Assignments, data.as_bytes());
        assert_eq!(lines(&items), [2, 5, 9]);
    }

    #[test]
    fn legacy_reader_columns_any_order_extra_ignored_trimmed() {
        let data = " started_at_jalali , Extra ,DISTRIBUTOR_LEGACY_ID,officer_national_code\r\n  \
                    ۱۴۰۰/۰۱/۰۱ , junk ,  D7 ,\t0076229645 \r\n";
        let items = read_all(LegacyFile::Assignments, data.as_bytes());
        let r = items[0].as_ref().unwrap();
        assert_eq!(r.line, 2);
        assert_eq!(r.get("officer_national_code"), "0076229645");
        assert_eq!(r.get("distributor_legacy_id"), "D7");
        assert_eq!(r.get("started_at_jalali"), "۱۴۰۰/۰۱/۰۱");
    }

    #[test]
    fn legacy_reader_missing_and_duplicate_columns_are_fatal() {
        let e = LegacyReader::from_reader(
            LegacyFile::Assignments,
            &b"officer_national_code,started_at_jalali\r\n1,2\r\n"[..],
        )
        .err()
        .unwrap();
        assert!(matches!(
            e,
            FatalError::MissingColumn {
                column: "distributor_legacy_id",
                ..
            }
        ));
        assert!(e.to_string().contains("distributor_legacy_id"));
        assert!(e.message_fa().contains("distributor_legacy_id"));
        assert_eq!(e.file(), LegacyFile::Assignments);

        let e = LegacyReader::from_reader(
            LegacyFile::Assignments,
            &b"officer_national_code,distributor_legacy_id,started_at_jalali,Officer_National_Code\n"[..],
        )
        .err()
        .unwrap();
        assert!(matches!(e, FatalError::DuplicateColumn { .. }));

        for empty in [&b""[..], &b"\xEF\xBB\xBF"[..], &b"\r\n\r\n"[..]] {
            let e = LegacyReader::from_reader(LegacyFile::Officers, empty)
                .err()
                .unwrap();
            assert!(matches!(e, FatalError::Empty { .. }), "{e}");
        }
        let e = LegacyReader::from_reader(LegacyFile::Assignments, &b"\xff\xfe,a\n"[..])
            .err()
            .unwrap();
        assert!(matches!(e, FatalError::HeaderNotUtf8 { .. }));
        let e = LegacyReader::open(Path::new("/nonexistent-legacy-dir"), LegacyFile::Officers)
            .err()
            .unwrap();
        assert!(matches!(e, FatalError::Io { .. }));
        assert!(e.to_string().starts_with("officers.csv: cannot be read"));
    }

    #[test]
    fn legacy_reader_bad_rows_are_refused_with_their_line() {
        let data = b"officer_national_code,distributor_legacy_id,started_at_jalali\r\n\
                     1,2\r\n\
                     1,2,3,4\r\n\
                     1,\xff\xfe,3\r\n\
                     ok,ok,ok\r\n";
        let items = read_all(LegacyFile::Assignments, data);
        assert_eq!(lines(&items), [2, 3, 4, 5]);
        let codes: Vec<_> = items
            .iter()
            .map(|i| i.as_ref().err().map(|r| r.reason_code))
            .collect();
        assert_eq!(
            codes,
            [
                Some(RefusalCode::WrongFieldCount),
                Some(RefusalCode::WrongFieldCount),
                Some(RefusalCode::InvalidUtf8),
                None
            ]
        );
        let utf8 = items[2].as_ref().err().unwrap();
        assert_eq!(utf8.field, Some("distributor_legacy_id"));
    }

    /// A reader that fails after some bytes.
    struct Failing(&'static [u8]);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn legacy_reader_io_error_mid_file_is_fatal_and_stops() {
        let mut r = LegacyReader::from_reader(
            LegacyFile::Assignments,
            Failing(b"officer_national_code,distributor_legacy_id,started_at_jalali\n1,2,3\n4,5"),
        )
        .unwrap();
        assert_eq!(r.file(), LegacyFile::Assignments);
        assert!(r.next().unwrap().unwrap().is_ok());
        assert!(matches!(r.next(), Some(Err(FatalError::Io { .. }))));
        assert!(r.next().is_none());
    }

    #[test]
    fn legacy_reader_streams_many_rows_with_bounded_state() {
        // 50,000 rows, every tenth with a two-line quoted field.
        let mut data =
            String::from("officer_national_code,distributor_legacy_id,started_at_jalali\r\n");
        let mut expected = Vec::new();
        let mut line = 2;
        for i in 0..50_000u64 {
            expected.push(line);
            if i % 10 == 0 {
                data.push_str(&format!("{i},\"a\r\nb\",c\r\n"));
                line += 2;
            } else {
                data.push_str(&format!("{i},b,c\r\n"));
                line += 1;
            }
        }
        let mut reader =
            LegacyReader::from_reader(LegacyFile::Assignments, data.as_bytes()).unwrap();
        let mut most_pending = 0;
        let got: Vec<u64> = std::iter::from_fn(|| {
            let item = reader.next()?;
            most_pending = most_pending.max(reader.csv.get_ref().ends.len());
            Some(item.unwrap().unwrap().line)
        })
        .collect();
        assert_eq!(got, expected);
        assert!(most_pending < 4096, "{most_pending}");
    }

    #[test]
    fn legacy_file_names_and_columns() {
        assert_eq!(LegacyFile::Officers.to_string(), "officers.csv");
        assert_eq!(LegacyFile::Distributors.file_name(), "distributors.csv");
        assert_eq!(LegacyFile::Assignments.columns().len(), 3);
        assert_eq!(LegacyFile::ALL.len(), 3);
    }
}
