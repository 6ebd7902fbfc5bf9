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
