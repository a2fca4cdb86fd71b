//! Powertools' JSON log lines made readable, the same way locally (`lamina dev`, where worker
//! output arrives line by line) and in the cloud (`lamina logs`, where CloudWatch hands over
//! events): one parser, [`Record::parse`], and one layout, [`Record::body`].

mod record;

pub use record::{Record, render_log_line};
