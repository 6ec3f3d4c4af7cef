// The keyboard drawing pad (st.components.v2): a pen on a grid, moved by keys; Enter sends the strokes.
// The pad keeps its drawing in the page (no server round trip per key); Enter sends it as the state
// value "drawing" = {strokes: [[[col, row], ...], ...], sent: n}. Python renders it (app/keypen).
// Streamlit calls this function again whenever `data` changes, on the same DOM: listeners are bound once
// and read the latest state from the root element.

const MOVES = {
  ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1],
  Home: [-1, -1], PageUp: [1, -1], End: [-1, 1], PageDown: [1, 1],
};
const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function fresh(data) {
  return { board: data.board, cfg: data, pen: data.start.slice(), down: false, strokes: [], history: [],
           sent: 0, note: "" };
}

function px(cfg, i) { return cfg.margin + cfg.step * i; }

function where(st) {
  return `column ${st.pen[0] + 1}, row ${st.pen[1] + 1}`;
}

function describe(st) {
  const n = st.strokes.length;
  const pen = st.down ? "Pen down" : "Pen up";
  return `${st.note}${pen}, ${where(st)}. ${n} stroke${n === 1 ? "" : "s"}.`;
}

function drawGrid(root, cfg) {
  const svg = root.querySelector("svg");
  svg.setAttribute("viewBox", `0 0 ${cfg.size} ${cfg.size}`);
  root.querySelector(".kp-pad").setAttribute("aria-label", `Keyboard drawing pad, ${cfg.grid} by ${cfg.grid} points`);
  const g = root.querySelector(".kp-grid");
  g.replaceChildren();
  const lo = px(cfg, 0), hi = px(cfg, cfg.grid - 1);
  for (let i = 0; i < cfg.grid; i++) {
    const p = px(cfg, i);
    g.append(el("line", { x1: lo, y1: p, x2: hi, y2: p }), el("line", { x1: p, y1: lo, x2: p, y2: hi }));
  }
  const c = px(cfg, cfg.start[0]);
  g.append(el("circle", { cx: c, cy: px(cfg, cfg.start[1]), r: 3 }));  // the middle, where the pen starts
}

function paint(root, st) {
  const cfg = st.cfg;
  const ink = root.querySelector(".kp-ink");
  ink.replaceChildren();
  for (const s of st.strokes) {
    if (s.length === 1) {  // a dot: the brush's round tip
      ink.append(el("circle", { cx: px(cfg, s[0][0]), cy: px(cfg, s[0][1]), r: cfg.brush / 2 }));
    } else {
      ink.append(el("polyline", { points: s.map(([c, r]) => `${px(cfg, c)},${px(cfg, r)}`).join(" "),
                                  "stroke-width": cfg.brush }));
    }
  }
  const pen = root.querySelector(".kp-pen");
  pen.replaceChildren();
  pen.setAttribute("class", "kp-pen " + (st.down ? "down" : "up"));
  const [x, y] = [px(cfg, st.pen[0]), px(cfg, st.pen[1])];
  const r = cfg.brush / 2 + 3;
  pen.append(el("circle", { class: "halo", cx: x, cy: y, r }), el("circle", { class: "ring", cx: x, cy: y, r }),
             el("circle", { class: "dot", cx: x, cy: y, r: 4 }));
  root.querySelector(".kp-status").textContent = describe(st);
}

function points(st) { return st.strokes.reduce((n, s) => n + s.length, 0); }

function key(root, e) {
  const st = root.__kp;
  if (!st || e.ctrlKey || e.altKey || e.metaKey) return;  // browser and screen-reader shortcuts pass
  const k = e.key === "Spacebar" ? " " : e.key;
  const snapshot = () => JSON.stringify([st.pen, st.down, st.strokes]);
  st.note = "";
  if (k in MOVES) {
    const [dx, dy] = MOVES[k];
    const g = st.cfg.grid;
    const to = [st.pen[0] + dx, st.pen[1] + dy];
    if (to[0] < 0 || to[1] < 0 || to[0] >= g || to[1] >= g) {
      st.note = "Edge of the pad. ";
    } else if (st.down && points(st) >= st.cfg.max_points) {
      st.note = "The pad is full: press Enter, or Delete to start again. ";
    } else {
      st.history.push(snapshot());
      st.pen = to;
      if (st.down) st.strokes[st.strokes.length - 1].push(to.slice());
    }
  } else if (k === " " && !st.down && points(st) >= st.cfg.max_points) {
    st.note = "The pad is full: press Enter, or Delete to start again. ";
  } else if (k === " ") {
    st.history.push(snapshot());
    st.down = !st.down;
    if (st.down) st.strokes.push([st.pen.slice()]);
  } else if (k === "Enter") {
    st.sent += 1;
    root.__send("drawing", { strokes: st.strokes, sent: st.sent });
    st.note = st.strokes.length ? "Sent: reading it. " : "Nothing drawn yet: press Space, then the arrows. ";
  } else if (k === "Backspace") {
    const last = st.history.pop();
    if (last === undefined) st.note = "Nothing to undo. ";
    else [st.pen, st.down, st.strokes] = JSON.parse(last);
  } else if (k === "Delete") {
    st.history.push(snapshot());
    st.strokes = [];
    st.down = false;
    st.note = "Cleared. ";
  } else {
    return;  // Tab and every other key keep their usual meaning
  }
  if (st.history.length > 4 * st.cfg.max_points) st.history.shift();
  e.preventDefault();  // no page scrolling on arrows and Space
  e.stopPropagation();
  paint(root, st);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".kp");
  if (!root || !data) return;
  root.__send = setStateValue;
  if (!root.__kp || root.__kp.board !== data.board) {  // a new drawing (Clear on the page)
    root.__kp = fresh(data);
    drawGrid(root, data);
  }
  if (!root.__bound) {
    root.__bound = true;
    root.querySelector(".kp-pad").addEventListener("keydown", (e) => key(root, e));
  }
  paint(root, root.__kp);
}
