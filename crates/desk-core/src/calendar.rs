//! The business calendar as the server holds it: one shared, validated copy that write jobs
//! (after-hours notices, waiting clocks) and the calendar endpoints read.

use std::sync::{Arc, RwLock};

use desk_domain::BusinessCalendar;
use desk_domain::calendar::BusinessHours;

/// A cheap-to-clone handle on the calendar in force.
#[derive(Clone)]
pub struct CalendarHandle(Arc<RwLock<Arc<Calendar>>>);

/// The calendar as configured, and its validated form.
#[derive(Debug)]
pub struct Calendar {
    pub config: BusinessCalendar,
    pub hours: BusinessHours,
}

impl Default for CalendarHandle {
    fn default() -> Self {
        let config = BusinessCalendar::default();
        let hours = config.hours_or_default();
        Self(Arc::new(RwLock::new(Arc::new(Calendar { config, hours }))))
    }
}

impl std::fmt::Debug for CalendarHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl CalendarHandle {
    pub fn get(&self) -> Arc<Calendar> {
        match self.0.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts `config` in force; an invalid calendar is refused and the old one stays.
    pub fn set(
        &self,
        config: BusinessCalendar,
    ) -> Result<(), desk_domain::calendar::CalendarError> {
        let hours = config.hours()?;
        let cal = Arc::new(Calendar { config, hours });
        match self.0.write() {
            Ok(mut c) => *c = cal,
            Err(poisoned) => *poisoned.into_inner() = cal,
        }
        Ok(())
    }
}
