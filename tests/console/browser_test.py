# SPDX-License-Identifier: ISC
"""The console's browser cases (run by console.sh, which starts cordond, a
sensor and the namespaces, and exports URL, ATTACKER, TMP, NS, CLI, SRV, B,
SHOTS, PW_OP, PW_VIEW). Prints one "ok/FAIL - ..." line per check and writes
the counts to $TMP/browser.counts."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

URL = os.environ['URL']
ATTACKER = os.environ['ATTACKER']
TMP = os.environ['TMP']
NS, CLI = os.environ['NS'], os.environ['CLI']
B = os.environ['B']
SHOTS = os.environ.get('SHOTS', '')
PW_OP, PW_VIEW = os.environ['PW_OP'], os.environ['PW_VIEW']
MARKUP = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> beaconing'

passed = failed = 0


def check(desc, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print('ok   - ' + desc)
    else:
        failed += 1
        print('FAIL - ' + desc + (f' ({detail})' if detail else ''))
    sys.stdout.flush()
    return cond


def ctl(*args):
    r = subprocess.run([B + '/cordonctl', '-s', TMP + '/ctl.sock', '-r', TMP + '/ro.sock', '--json', *args],
                       capture_output=True, text=True, timeout=60)
    try:
        return json.loads(r.stdout) if r.stdout.strip() else {}
    except json.JSONDecodeError:
        return {'raw': r.stdout}


def state(ip):
    return ctl('show', ip).get('host', {}).get('state')


def rules_for(ip):
    out = ''
    for cmd in (['ip', '-n', NS, 'rule', 'show'], ['ip', '-n', NS, 'route', 'show', 'table', 'all']):
        out += subprocess.run(cmd, capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if ip in line.split())


def send_line(obj):
    subprocess.run(['socat', '-u', '-', 'UNIX-CONNECT:' + TMP + '/sensor.sock'],
                   input=json.dumps(obj) + '\n', text=True, timeout=10, check=True)


def detection(src, mac='02:00:00:00:00:05'):
    return {'time': '2026-01-01T00:00:00Z', 'src': src, 'mac': mac, 'vlan': None, 'engine': 'fanout',
            'proto': 'tcp', 'dport': 445, 'sensor': 'site-a',
            'evidence': {'probes': 12, 'failures': 12, 'distinct_dsts': 12,
                         'first_seen': '2026-01-01T00:00:00Z', 'alert_packet': 12}}


def until(fn, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


def shot(b, name):
    if SHOTS:
        b.screenshot(os.path.join(SHOTS, name))


def login(b, user, pw):
    b.navigate(URL + '/')
    if not b.wait("document.getElementById('login') && !document.getElementById('login').hidden"):
        return False
    b.eval(f"""(() => {{ document.getElementById('login-user').value = {json.dumps(user)};
        document.getElementById('login-password').value = {json.dumps(pw)};
        document.getElementById('login-form').requestSubmit(); return true; }})()""")
    return True


def post_from_page(b, path, csrf=True, body='{}'):
    """A POST the page itself makes, with or without the session's CSRF token."""
    hdr = "'X-CSRF-Token': me.csrf, " if csrf else ''
    return b.eval(f"""fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin',
        headers: {{{hdr}'Content-Type': 'application/json'}}, body: {json.dumps(body)}}})
        .then(r => r.status)""")


def main():
    # A quarantined host whose reason holds markup, and one with a MAC to search by.
    ctl('quarantine', '10.2.0.7', '--reason', MARKUP)
    send_line({'type': 'seen', 'src': '10.2.0.20', 'mac': '02:aa:bb:cc:dd:20',
               'first_seen': '2026-01-01T00:00:00Z', 'last_seen': '2026-01-01T00:00:01Z'})
    check('a quarantined host to look at (10.2.0.7)', until(lambda: state('10.2.0.7') == 'quarantined'))
    check('a host with a MAC on record (10.2.0.20)', until(lambda: state('10.2.0.20') == 'observed'))

    os.makedirs(TMP + '/chrome', exist_ok=True)
    with open(TMP + '/chrome.log', 'w') as log:
        b = Browser(TMP + '/chrome', log=log)
    try:
        run(b)
    finally:
        b.close()


def run(b):
    # --- login, wrong and right; a viewer --------------------------------------------
    b.navigate(URL + '/')
    check('the console asks to log in', b.wait("!document.getElementById('login').hidden"))
    login(b, 'victor', 'wrong password')
    check('a wrong password is refused on the page',
          b.wait("document.getElementById('login-error').textContent.includes('wrong user name or password')"))
    login(b, 'victor', PW_VIEW)
    check('the viewer logs in', b.wait("document.getElementById('who').textContent === 'victor (viewer)'"))
    b.navigate(URL + '/#/host/10.2.0.7')
    check("the viewer sees a host's page", b.wait("document.getElementById('host-ip')?.textContent === '10.2.0.7'"))
    check('  without any action button',
          b.eval("!document.getElementById('actions') && !document.getElementById('act-patched') && "
                 "!document.getElementById('act-quarantine')"))
    status = post_from_page(b, '/api/v1/hosts/10.2.0.7/patched')
    check(f'  and the API refuses the viewer a release ({status})', status == 403 and state('10.2.0.7') == 'quarantined')
    b.eval("document.getElementById('logout').click()")
    check('logout shows the login form again', b.wait("!document.getElementById('login').hidden"))
    check('  and the session is over',
          b.eval("fetch('/api/v1/session', {credentials: 'same-origin'}).then(r => r.status)") == 401)

    # --- an operator ---------------------------------------------------------------------
    login(b, 'olga', PW_OP)
    check('the operator logs in', b.wait("document.getElementById('who').textContent === 'olga (operator)'"))
    b.navigate(URL + '/#/overview')
    check('the overview counts hosts by state',
          b.wait("document.querySelector('#state-counts [data-state=quarantined] .n')?.textContent === '1'"))
    check('  draws the last hour', b.wait("document.querySelectorAll('#history-chart rect').length === 120"))
    check('  and lists the enforcement point', b.wait("document.querySelector('#points td')?.textContent === 'edge'"))
    check('  live', b.wait("document.getElementById('live').textContent === 'live'"))

    # --- inert markup ------------------------------------------------------------------------
    b.navigate(URL + '/#/host/10.2.0.7')
    b.wait("document.querySelector('[data-field=reason]')")
    reason = b.eval("document.querySelector('[data-field=reason]').textContent")
    check('a reason holding <script> and <img> shows as text', reason == MARKUP, repr(reason))
    check('  runs nothing and adds no element',
          b.eval("window.__pwned === undefined && !document.querySelector('#host-facts img, #host-facts script')"))

    # --- filter and search -------------------------------------------------------------------
    b.navigate(URL + '/#/hosts?state=quarantined')
    rows = b.wait("(() => { const r = [...document.querySelectorAll('#hosts-table tr[data-ip]')];"
                  " if (document.getElementById('state')?.value !== 'quarantined') return null;"
                  " return r.length ? r.map(x => x.dataset.ip + ' ' + x.querySelector('.state').textContent) : null; })()")
    check('filtering by state lists only quarantined hosts', rows == ['10.2.0.7 quarantined'], str(rows))
    b.navigate(URL + '/#/hosts?q=02:aa:bb:cc:dd:20')
    rows = b.wait("(() => { const r = [...document.querySelectorAll('#hosts-table tr[data-ip]')];"
                  " if (document.getElementById('search')?.value !== '02:aa:bb:cc:dd:20') return null;"
                  " return r.length ? r.map(x => x.dataset.ip) : null; })()")
    check('searching by MAC finds its host', rows == ['10.2.0.20'], str(rows))
    b.navigate(URL + '/#/hosts?q=10.2.0.20')
    rows = b.wait("(() => { const r = [...document.querySelectorAll('#hosts-table tr[data-ip]')];"
                  " if (document.getElementById('search')?.value !== '10.2.0.20') return null;"
                  " return r.length ? r.map(x => x.dataset.ip) : null; })()")
    check('searching by address finds it', rows == ['10.2.0.20'], str(rows))

    # --- live: a detection from a sensor, without a reload --------------------------------------
    b.navigate(URL + '/#/approvals')
    b.wait("document.getElementById('approvals-none') || document.getElementById('approvals-table')")
    b.eval("window.__same_page = 1")
    t0 = time.monotonic()
    send_line(detection('10.60.0.5'))
    seen = b.wait("document.querySelector('#feed-list li[data-kind=detection][data-host=\"10.60.0.5\"]') !== null", 5)
    took = time.monotonic() - t0
    check(f'a detection a sensor sends appears live ({took:.2f} s)', seen and took <= 1.0)
    check('  in the approvals queue too, without a reload',
          b.wait("document.querySelector('#approvals-table tr[data-ip=\"10.60.0.5\"] button.approve') !== null", 5)
          and b.eval("window.__same_page === 1"))

    # --- approve and release change the kernel's rules ---------------------------------------
    check('  (no rules for 10.60.0.5 yet)', rules_for('10.60.0.5') == 0)
    b.eval("document.querySelector('#approvals-table tr[data-ip=\"10.60.0.5\"] button.approve').click()")
    check('approving in the console isolates the host in the kernel',
          until(lambda: state('10.60.0.5') == 'quarantined' and rules_for('10.60.0.5') >= 1))
    ev = ctl('show', '10.60.0.5').get('history', [])
    check("  audited as the operator's", any(e.get('actor') == 'user:olga' for e in ev))
    b.navigate(URL + '/#/host/10.60.0.5')
    check('  its page offers the release', b.wait("document.getElementById('act-patched') !== null"))
    loc = b.eval("document.querySelector('[data-field=location]').textContent")
    check('  and says where it is isolated (the kernel rules)', 'prohibit' in loc and '10.60.0.5' in loc, loc)
    shot(b, 'console-host.png')
    b.eval("document.getElementById('act-reason').value = 'KB4012212 installed';"
           "document.getElementById('act-patched').click()")
    check('releasing as patched in the console removes its rules',
          until(lambda: state('10.60.0.5') == 'probation' and rules_for('10.60.0.5') == 0))
    check('  and the page says so', b.wait("document.getElementById('act-result')?.className === 'ok'"))

    # --- CSRF -----------------------------------------------------------------------------------
    status = post_from_page(b, '/api/v1/hosts/10.2.0.8/quarantine', csrf=False, body='{"reason":"x"}')
    check(f'a POST without the CSRF token is refused ({status})', status == 403)
    b.navigate(ATTACKER + '/')
    check('a page on another site posts to the console', b.wait("document.title === 'posted'", 10))
    b.navigate(URL + '/')
    check('  and nothing was quarantined', state('10.2.0.8') in (None, 'observed'))
    with open(TMP + '/daemon.log') as f:
        log = f.read()
    check('  the daemon never acted on it', 'quarantine 10.2.0.8 by' not in log)

    # --- the exposure map: a SYN-ACK on 445 seen by the sensor ------------------------------
    subprocess.run(['ip', 'netns', 'exec', CLI, 'socat', '-T', '3', '-u', 'TCP:10.70.0.3:445,connect-timeout=3',
                    '-'], capture_output=True, timeout=10)

    loads = [0]

    def exposed():
        # A reload, as the operator would: asset reports are not on the live stream.
        loads[0] += 1
        b.navigate(f'{URL}/?load={loads[0]}#/exposure?port=445')
        return b.wait("document.querySelector('#exposure-table tr[data-ip=\"10.70.0.3\"]') !== null", 2)
    if not check('the exposure map lists the server the sensor saw answer on 445', until(exposed, 15),
                 'assets: ' + json.dumps([h for h in ctl('assets').get('hosts', []) if h['ip'].startswith('10.70.')])):
        return
    check('  as not known to be patched',
          b.eval("document.querySelector('#exposure-table tr[data-ip=\"10.70.0.3\"] .status').textContent") == 'unknown')
    check('  and not the client', b.eval("document.querySelector('#exposure-table tr[data-ip=\"10.70.0.2\"]') === null"))
    shot(b, 'console-exposure.png')
    b.navigate(URL + '/#/overview')
    b.wait("document.querySelectorAll('#history-chart rect').length === 120")
    check('the overview lists the sensor heard from (site-a), not quiet',
          b.wait("document.querySelector('#sensors tr[data-sensor=\"site-a\"] td.ok') !== null"))
    shot(b, 'console-overview.png')


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # a broken driver is a failure, said as such
        check('the browser cases ran to the end', False, f'{type(e).__name__}: {e}')
    with open(TMP + '/browser.counts', 'w') as f:
        f.write(f'{passed} passed, {failed} failed\n')
    print(f'browser: {passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)
