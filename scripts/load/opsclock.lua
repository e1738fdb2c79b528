-- wrk script for scripts/load/run: one mode per run, chosen by LOAD_MODE.
--   create  POST /api/v1/tickets, a new fault on one of the 154 demo systems each time
--   list    GET  /api/v1/tickets?limit=50 (LOAD_QUERY appends filters, e.g. "&status=new")
--   act     POST /api/v1/tickets/NUMBER/acknowledge, each ticket of LOAD_TICKETS (lines
--           "NUMBER VERSION") once, split between the threads
-- The summary is printed as one JSON line for the runner to read.

local mode = os.getenv("LOAD_MODE") or "create"
local token = os.getenv("LOAD_TOKEN") or ""
local query = os.getenv("LOAD_QUERY") or ""
local headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Content-Type"] = "application/json",
}

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local tickets = {}
local n = 0

function init(args)
  n = 0
  if mode == "act" then
    local stride = tonumber(os.getenv("LOAD_THREADS") or "1")
    local i = 0
    for line in io.lines(os.getenv("LOAD_TICKETS")) do
      if i % stride == id then
        local number, version = line:match("^(%S+) (%d+)$")
        table.insert(tickets, { number, version })
      end
      i = i + 1
    end
  end
end

function request()
  n = n + 1
  if mode == "create" then
    local body = string.format(
      '{"kind":"fault","system":"sy-%03d","severity":"general","title":"load %d-%d","description":"created by scripts/load"}',
      (n % 154) + 1, id, n)
    return wrk.format("POST", "/api/v1/tickets", headers, body)
  elseif mode == "list" then
    return wrk.format("GET", "/api/v1/tickets?limit=50" .. query, headers)
  elseif #tickets == 0 then
    return wrk.format("GET", "/healthz")
  else
    local t = tickets[((n - 1) % #tickets) + 1]
    return wrk.format("POST", "/api/v1/tickets/" .. t[1] .. "/acknowledge", headers,
      '{"version":' .. t[2] .. '}')
  end
end

-- LOAD_DEBUG=1 prints the first answer of each failing status (slows wrk down a little).
if os.getenv("LOAD_DEBUG") then
  local seen = {}
  function response(status, headers, body)
    if status >= 400 and not seen[status] then
      seen[status] = true
      io.stderr:write("first " .. status .. ": " .. body .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx_or_3xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
