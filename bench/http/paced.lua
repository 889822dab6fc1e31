-- wrk script for dispatch_cost.py and bench/serve/paced.sh: a fixed rate, not a closed loop. The n-th request of a wrk
-- thread is due at start + n / RATE (RATE is per thread): `delay()` holds a free connection until
-- then, so a slow answer does not lower the rate while other connections are free (as wrk2 does).
-- Every connection asks the routes in turn (one route: the same request, built once). DROVER_TOKEN, if set, is sent as a bearer token. The
-- summary line at the end is what dispatch_cost.py parses. RATE is per wrk thread.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec_t;
  int clock_gettime(int clock, timespec_t *t);
]]
local CLOCK_MONOTONIC = 1
local now_t = ffi.new("timespec_t")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_t)
  return tonumber(now_t.tv_sec) * 1000 + tonumber(now_t.tv_nsec) / 1e6
end

-- PACED_PATHS (comma-separated) replaces the routes; with PACED_BODY each request is a POST of
-- that JSON body (bench/serve/paced.sh: predict requests at a fixed rate).
local routes = { "/api/v1/jobs?limit=50", "/api/v1/runs?limit=50", "/api/v1/jobs/1", "/metrics" }
if os.getenv("PACED_PATHS") then
  routes = {}
  for path in string.gmatch(os.getenv("PACED_PATHS"), "[^,]+") do routes[#routes + 1] = path end
end
local body = os.getenv("PACED_BODY")
local headers = {}
if os.getenv("DROVER_TOKEN") then headers["Authorization"] = "Bearer " .. os.getenv("DROVER_TOKEN") end
if body then headers["Content-Type"] = "application/json" end
local interval_ms = 1000 / tonumber(os.getenv("RATE"))
local next_route, sent, start = 0, 0, nil

if #routes > 1 then
  function request()
    next_route = next_route % #routes + 1
    return wrk.format(body and "POST" or "GET", routes[next_route], headers, body)
  end
else
  -- One route: wrk builds the request once instead of calling Lua for each (less client CPU
  -- on the machine the server shares).
  wrk.method, wrk.path, wrk.body, wrk.headers = body and "POST" or "GET", routes[1], body, headers
end

function delay()
  start = start or now_ms()
  local due = start + sent * interval_ms
  sent = sent + 1
  return math.max(0, due - now_ms())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("paced: %d requests in %.3f s, %d non-2xx, %d socket errors, p50 %.2f ms, p99 %.2f ms\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
