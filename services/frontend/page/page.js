// The status page's only script: it calls the JSON API and fills in the
// backend's side. Served from /assets so the CSP can forbid inline scripts.
const $ = (id) => document.getElementById(id);

function show(dl, identity) {
  dl.replaceChildren();
  for (const [key, value] of Object.entries(identity)) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = key;
    dd.textContent = String(value);
    dl.append(dt, dd);
  }
}

function badge(ok, text) {
  const el = $('backend-health');
  el.textContent = text;
  el.className = ok ? 'badge ok' : 'badge bad';
}

async function checkHealth() {
  try {
    const res = await fetch('/health/ready', { cache: 'no-store' });
    badge(res.ok, res.ok ? 'ready' : 'not ready');
  } catch {
    badge(false, 'unreachable');
  }
}

async function hello(name) {
  const greeting = $('greeting');
  try {
    const res = await fetch(`/api/hello?name=${encodeURIComponent(name)}`, { cache: 'no-store' });
    $('request-id').textContent = res.headers.get('x-request-id') ?? '–';
    const body = await res.json();
    if (!res.ok) throw new Error(body.message ?? `status ${res.status}`);
    greeting.className = 'greeting';
    greeting.textContent = body.backend.greeting;
    $('hop-ms').textContent = body.hopMs.toFixed(2);
    show($('backend-identity'), body.backend.servedBy);
  } catch (error) {
    greeting.className = 'greeting error';
    greeting.textContent = error.message;
  }
}

$('hello-form').addEventListener('submit', (event) => {
  event.preventDefault();
  hello($('name').value);
});

checkHealth();
hello($('name').value);
setInterval(checkHealth, 5000);

// The task's CPU and memory (/api/task): each container against its limit,
// all of them against the task's size. Read every few seconds while the page
// is visible; the frontend asks ECS at most once per 2 s, however many ask it.
const TASK_REFRESH_MS = 3000;

function usageCell(used, limit, digits, kind) {
  const td = document.createElement('td');
  if (used === null) {
    td.textContent = 'no sample yet';
    return td;
  }
  // A <meter> and its properties: nothing for the CSP to block.
  const meter = document.createElement('meter');
  meter.className = kind;
  meter.min = 0;
  meter.max = limit;
  meter.low = 0.5 * limit;
  meter.high = 0.8 * limit;
  meter.optimum = 0;
  meter.value = used;
  td.append(meter, `${used.toFixed(digits)} of ${limit}`);
  return td;
}

function usageRow(name, cpu, cpuLimit, memory, memoryLimit) {
  const row = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = name;
  row.append(th, usageCell(cpu, cpuLimit, 3, 'cpu'), usageCell(memory, memoryLimit, 1, 'memory'));
  return row;
}

function showTask({ limits, containers }) {
  const rows = containers.map((c) => {
    const row = usageRow(c.name, c.cpu, limits.cpu, c.memoryMiB, c.memoryLimitMiB);
    row.dataset.container = c.name;
    return row;
  });
  $('task-containers').replaceChildren(...rows);
  const sum = (key) => Math.round(containers.reduce((total, c) => total + (c[key] ?? 0), 0) * 1e4) / 1e4;
  const total = usageRow('task', sum('cpu'), limits.cpu, sum('memoryMiB'), limits.memoryMiB);
  total.dataset.container = 'task';
  $('task-total').replaceChildren(total);
  $('task-view').hidden = false;
  $('task-status').textContent = 'live';
  $('task-status').className = 'badge ok';
  $('task-message').textContent =
    `Read at ${new Date().toLocaleTimeString()}. CPU against the task's ${limits.cpu} vCPU, which on Fargate either container may use; ` +
    "memory against each container's limit.";
}

function taskProblem(badgeText, message) {
  $('task-view').hidden = true;
  $('task-status').textContent = badgeText;
  $('task-status').className = 'badge bad';
  $('task-message').textContent = message;
}

async function refreshTask() {
  if (!document.hidden) {
    try {
      const res = await fetch('/api/task', { cache: 'no-store' });
      const body = await res.json();
      const absent = body.code === 'no_task_metadata';
      if (res.ok) showTask(body);
      else taskProblem(absent ? 'no endpoint' : 'unavailable', body.message ?? `status ${res.status}`);
      // Not on ECS nor in the compose task: no endpoint appears while the frontend runs.
      if (absent) return;
    } catch (error) {
      taskProblem('unreachable', error.message);
    }
  }
  setTimeout(refreshTask, TASK_REFRESH_MS);
}

refreshTask();
