//! Accessible building blocks shared by both portals.

mod alert;
mod button;
mod card;
mod checkbox;
mod data_table;
mod field;
mod loading;
mod page_title;
mod select_field;
mod text_field;

pub use alert::{Alert, AlertKind, ErrorAlert};
pub use button::{Button, ButtonKind};
pub use card::Card;
pub use checkbox::{Checkbox, CheckboxGroup};
pub use data_table::DataTable;
pub use loading::{Loading, PageLoading};
pub use page_title::PageTitle;
pub use select_field::SelectField;
pub use text_field::TextField;
