-- wrk script of benches/peer/run: POSTs GraphQL bodies read from a file, rotating through
-- them (one officer after the other), checks every answer (HTTP 200 and no "errors" in the
-- body) and prints one JSON line with the figures.
--
--   wrk -t1 -c16 -d20s --latency -s graphql.lua http://127.0.0.1:PORT/graphql -- FILE
--
-- FILE: one request a line, "<Authorization value or nothing><TAB><JSON body>".

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local reqs = {}
  for line in io.lines(path) do
    local auth, body = line:match("^([^\t]*)\t(.*)$")
    if body then
      local headers = { ["Content-Type"] = "application/json" }
      if auth ~= "" then
        headers["Authorization"] = auth
      end
      reqs[#reqs + 1] = wrk.format("POST", nil, headers, body)
    end
  end
  if #reqs == 0 then
    error("no request in " .. tostring(path))
  end
  requests_list = reqs
  -- Each thread starts at another officer.
  idx = ((id or 1) - 1) * 7919 % #reqs
  non200 = 0
  gql_errors = 0
  first_error = ""
end

function request()
  idx = idx % #requests_list + 1
  return requests_list[idx]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_error == "" then
      first_error = "HTTP " .. status .. ": " .. string.sub(body or "", 1, 300)
    end
  elseif body and string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
    if first_error == "" then
      first_error = string.sub(body, 1, 300)
    end
  end
end

local function esc(s)
  return (s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' '))
end

function done(summary, latency, requests)
  local non2xx, gql, first = 0, 0, ""
  for _, t in ipairs(threads) do
    non2xx = non2xx + (t:get("non200") or 0)
    gql = gql + (t:get("gql_errors") or 0)
    local f = t:get("first_error")
    if first == "" and f and f ~= "" then
      first = f
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  io.write(string.format(
    'PEER_RESULT {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"max_ms": %.3f, "non2xx": %d, "socket_errors": %d, "gql_errors": %d, "errors": %d, '
      .. '"first_error": "%s"}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    non2xx, socket_errors, gql, non2xx + socket_errors + gql, esc(first)))
end
