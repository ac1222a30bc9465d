import { actionsPage } from "./actions-page.js";
import { sessionEnded } from "./api-client.js";
import { channelsPage } from "./channels-page.js";
import { h, show } from "./dom.js";
import { livePage } from "./live-page.js";
import type { Report } from "./report.js";
import { forget, init, login } from "./session.js";
import { statusPage } from "./status-page.js";

/**
 * The admin UI: a login form unless insecure or logged in, then four pages
 * chosen by the URL hash, `#<page>` or `#<page>/<argument>` (the channel of
 * the live view, the pattern of the channels page).
 */
const app = document.getElementById("app")!;
const pages = {
  status: statusPage,
  channels: channelsPage,
  actions: (root: HTMLElement, report: Report) => {
    actionsPage(root, report);
    return () => {};
  },
  live: livePage,
} as const;
type PageName = keyof typeof pages;
let leavePage = () => {};
let insecure = false;

function setError(text: string): void {
  const banner = document.getElementById("error");
  if (banner) banner.textContent = text;
}

/** The current page's requests: an ended session leads to the login form, other errors to the error line. */
const report: Report = {
  failed(err) {
    if (sessionEnded(err)) {
      forget();
      showLogin("Your session ended: log in again.");
      return;
    }
    setError(String(err));
  },
  succeeded: () => setError(""),
};

function showLogin(message = ""): void {
  leavePage();
  const password = h("input", {
    id: "password",
    type: "password",
    autocomplete: "current-password",
    required: "",
  });
  const note = h("p", { id: "login-error", class: "error" }, message);
  const form = h(
    "form",
    { id: "login", class: "card" },
    h("h1", {}, "rotor"),
    password,
    h("button", { type: "submit" }, "Log in"),
    note,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await login(password.value)) showApp();
    else note.textContent = "Wrong password.";
  });
  show(app, form);
  password.focus();
}

function showPage(): void {
  leavePage();
  const [first, ...rest] = location.hash.slice(1).split("/");
  const name: PageName = first && Object.hasOwn(pages, first) ? (first as PageName) : "status";
  let argument = "";
  try {
    argument = decodeURIComponent(rest.join("/"));
  } catch {
    // A malformed escape in a hand-typed URL: the page starts empty.
  }
  document.querySelectorAll("nav a").forEach((link) => {
    link.classList.toggle("active", link.getAttribute("href") === `#${name}`);
  });
  const main = document.getElementById("page")!;
  setError("");
  leavePage = pages[name](main, report, argument);
}

function showApp(): void {
  const logout = h("a", { href: "#", id: "logout" }, "Log out");
  logout.addEventListener("click", (event) => {
    event.preventDefault();
    forget();
    showLogin();
  });
  const nav = h(
    "nav",
    {},
    h("strong", {}, "rotor"),
    h("a", { href: "#status" }, "Status"),
    h("a", { href: "#channels" }, "Channels"),
    h("a", { href: "#actions" }, "Actions"),
    h("a", { href: "#live" }, "Live"),
    insecure ? null : logout,
  );
  show(app, nav, h("p", { id: "error", class: "error" }), h("main", { id: "page" }));
  showPage();
}

window.addEventListener("hashchange", () => {
  if (document.getElementById("page")) showPage();
});

init().then(
  (state) => {
    insecure = state.insecure;
    if (state.insecure || state.authenticated) showApp();
    else showLogin();
  },
  (err) => show(app, h("p", { class: "error" }, `cannot reach the server: ${err}`)),
);
