// paytrack pages: confirmations, select-all and the queue's keyboard shortcuts.
// Every action is also a plain form or link, so the pages work without this file.
"use strict";

function confirmForms() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const only = form.dataset.confirmChecked && document.getElementById(form.dataset.confirmChecked);
      if (only && !only.checked) return;
      const over = Number(form.dataset.confirmOver || 0);
      const chosen = document.querySelectorAll(`input[form="${form.id}"]:checked`).length;
      if (over && chosen <= over) return;
      const text = form.dataset.confirm.replace("{n}", String(chosen));
      if (!window.confirm(text)) event.preventDefault();
    });
  });
}

function selectAll() {
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll('input[name="draft_id"][form="bulk"]').forEach((box) => {
        box.checked = all.checked;
      });
    });
  }
  const notes = document.getElementById("select-all-notes");
  if (notes) {
    notes.addEventListener("change", () => {
      document.querySelectorAll('input[name="notification_id"]').forEach((box) => {
        box.checked = notes.checked;
      });
    });
  }
}

function focusRequested() {
  const wanted = new URLSearchParams(window.location.search).get("focus");
  const field = wanted && document.getElementById(wanted);
  if (field) field.focus();
}

function queueKeys() {
  const cards = Array.from(document.querySelectorAll("section.draft"));
  const dialog = document.getElementById("shortcuts");
  let index = -1;
  const current = () => cards[index];
  const move = (step) => {
    if (!cards.length) return;
    if (current()) current().classList.remove("current");
    index = Math.min(cards.length - 1, Math.max(0, index + step));
    current().classList.add("current");
    current().focus();
    current().scrollIntoView({ block: "nearest" });
  };
  const open = (focus) => {
    if (current()) window.location.assign(`/drafts/${current().dataset.id}${focus ? "?focus=" + focus : ""}`);
  };
  const follow = (rel) => {
    const link = document.querySelector(`a[rel="${rel}"]`);
    if (link) window.location.assign(link.href);
  };
  const actions = {
    j: () => move(1),
    k: () => move(-1),
    e: () => open(""),
    Enter: () => open(""),
    r: () => open("reason"),
    s: () => open("until"),
    a: () => {
      const form = current() && current().querySelector("form.approve");
      if (form) form.requestSubmit();
    },
    x: () => {
      const box = current() && current().querySelector('input[name="draft_id"]');
      if (box) box.checked = !box.checked;
    },
    "/": () => {
      const search = document.getElementById("q");
      if (search) search.focus();
    },
    n: () => follow("next"),
    p: () => follow("prev"),
    "?": () => dialog && dialog.showModal(),
  };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (dialog && dialog.open) return;
    if (event.key === "Enter" && target.closest && target.closest("a, button, summary")) return;
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  confirmForms();
  selectAll();
  focusRequested();
  if (document.getElementById("drafts")) queueKeys();
});
