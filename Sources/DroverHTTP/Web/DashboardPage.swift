/// The dashboard's page and stylesheet (see `DashboardScript` for its behaviour).
enum DashboardPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Drover</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/ui/app.css">
    <script src="/ui/app.js" defer></script>
    </head>
    <body>
    <header>
      <strong>Drover</strong>
      <nav id="nav">
        <a href="#cluster" data-view="cluster">Cluster</a>
        <a href="#jobs" data-view="jobs">Jobs</a>
        <a href="#runs" data-view="runs">Runs</a>
        <a href="#models" data-view="models">Models</a>
        <a href="#datasets" data-view="datasets">Datasets</a>
        <a href="#anomalies" data-view="anomalies">Anomalies</a>
      </nav>
      <span id="live" class="badge off" title="event stream">offline</span>
      <form id="token-form" autocomplete="off">
        <input id="token" type="password" placeholder="API token (drover tokens create)" size="28">
        <button id="token-save" type="submit">Use token</button>
      </form>
    </header>
    <div id="banner" class="banner hidden"></div>
    <main id="main"><p class="muted">Enter an API token to begin.</p></main>
    </body>
    </html>
    """

    static let css = """
    :root { --ok: #2e7d32; --bad: #c62828; --run: #1565c0; --wait: #9e9e9e; --warn: #ef6c00; }
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
    header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1em; background: #263238; color: #fff; flex-wrap: wrap; }
    header a { color: #cfd8dc; margin-right: 1em; text-decoration: none; }
    header a.active { color: #fff; border-bottom: 2px solid #fff; }
    header form { margin-left: auto; }
    main { padding: 1em 1.5em; }
    table { border-collapse: collapse; margin: .5em 0 1.5em; background: #fff; }
    th, td { border-bottom: 1px solid #e0e0e0; padding: .3em .7em; text-align: left; vertical-align: top; }
    th { background: #eceff1; }
    tr.link { cursor: pointer; } tr.link:hover { background: #e3f2fd; }
    .cards { display: flex; gap: 1em; flex-wrap: wrap; }
    .card { background: #fff; border: 1px solid #e0e0e0; padding: .6em 1em; min-width: 8em; }
    .card b { display: block; font-size: 1.6em; }
    .state { padding: 0 .4em; border-radius: 3px; color: #fff; background: var(--wait); }
    .state.succeeded, .state.promoted, .state.cached, .state.alive, .state.passed { background: var(--ok); }
    .state.failed, .state.rejected, .state.blocked, .state.cancelled, .state.timed-out, .state.dead { background: var(--bad); }
    .state.running, .state.assigned, .state.checking, .state.deciding, .state.lookingUp { background: var(--run); }
    .state.retry-wait, .state.held, .state.suspect { background: var(--warn); }
    .banner { padding: .6em 1em; background: #ffebee; color: #b71c1c; border-bottom: 1px solid #ef9a9a; }
    .banner.info { background: #e8f5e9; color: #1b5e20; border-color: #a5d6a7; }
    .hidden { display: none; }
    .badge { padding: .1em .5em; border-radius: 8px; font-size: .85em; }
    .badge.on { background: var(--ok); } .badge.off { background: #757575; }
    .muted { color: #757575; }
    pre { background: #fff; border: 1px solid #e0e0e0; padding: .5em; overflow: auto; }
    svg { background: #fff; border: 1px solid #e0e0e0; margin: .3em 0 1em; }
    svg text { font: 11px system-ui, sans-serif; fill: #444; }
    svg text.on-dark { fill: #fff; }
    pre.log { max-height: 24em; font-size: 12px; }
    .filters { margin: .5em 0; display: flex; gap: .5em; align-items: center; }
    button { cursor: pointer; }
    h2 { margin: .2em 0 .5em; } h3 { margin: 1em 0 .3em; }
    """
}
