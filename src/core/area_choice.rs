//! Where a learner lives, chosen with buttons from the area tree: offered
//! once after the first finished lesson, skippable, changeable with `/area`.
//! Figures are counted for the learner's current area.

use super::action::{Button, Message, Phrase, Text};
use super::callback::Callback;
use super::turn::Turn;

impl Turn<'_> {
    /// After a finished lesson: ask once, if there is anything to choose.
    pub(super) fn offer_area_once(&mut self) {
        if self.learner.area.is_some() || self.learner.area_asked || self.core.areas.len() < 2 {
            return;
        }
        self.learner.area_asked = true;
        let root = self.core.areas.root().id.clone();
        self.area_screen(&root, Text::new("area-ask"));
    }

    /// The sub-areas of `area` (the root if `None`) as buttons.
    pub(super) fn area_browse(&mut self, area: Option<&str>) {
        let root = self.core.areas.root().id.clone();
        let area = area.unwrap_or(&root).to_string();
        if self.core.areas.get(&area).is_none() {
            return self.stale_button();
        }
        let current = self
            .learner
            .area
            .as_deref()
            .map(|a| self.core.areas.full_name(a));
        let prompt = match current {
            Some(name) => Text::new("area-current").arg("area", name),
            None => Text::new("area-choose"),
        };
        self.area_screen(&area, prompt);
    }

    fn area_screen(&mut self, area: &str, prompt: Text) {
        let areas = &self.core.areas;
        let mut message = Message::default().para(prompt);
        let here = areas.get(area).expect("checked by callers");
        if here.parent.is_some() {
            message = message.para(Phrase::Content(areas.full_name(area)));
        }
        for child in areas.children(area) {
            let target = if areas.children(&child.id).next().is_some() {
                Callback::AreaBrowse(child.id.clone())
            } else {
                Callback::AreaSet(child.id.clone())
            };
            message = message.row(vec![Button::new(
                Phrase::Content(child.name.clone()),
                target,
            )]);
        }
        if here.parent.is_some() {
            message = message.row(vec![Button::new(
                Text::new("button-area-here").arg("area", here.name.clone()),
                Callback::AreaSet(area.to_string()),
            )]);
        }
        message = message.row(vec![Button::new(
            Text::new("button-skip"),
            Callback::AreaSkip,
        )]);
        self.send(message);
    }

    pub(super) fn area_set(&mut self, area: &str) {
        if self.core.areas.get(area).is_none() {
            return self.stale_button();
        }
        self.learner.area = Some(area.to_string());
        self.learner.area_asked = true;
        let name = self.core.areas.full_name(area);
        self.send(Message::default().para(Text::new("area-set").arg("area", name)));
        self.menu();
    }

    pub(super) fn area_skip(&mut self) {
        self.learner.area_asked = true;
        self.send(Message::default().para(Text::new("area-skipped")));
        self.menu();
    }
}
