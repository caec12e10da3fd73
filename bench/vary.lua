-- wrk script: every request gets its own date_to (far in the future, so every order still
-- matches and the answer is the same size), so concurrent requests never coalesce into one ERP
-- call and every request reaches the ERP. Prints one WRK_JSON line with the figures.
--   BENCH_WRK_MODE=get  : GET BENCH_WRK_PATH?date_to=... with BENCH_COOKIE (storefront, bare proxy)
--   BENCH_WRK_MODE=post : POST the ERP contract body to BENCH_WRK_PATH with BENCH_BEARER (mock ERP)
local mode = os.getenv("BENCH_WRK_MODE") or "get"
local path = os.getenv("BENCH_WRK_PATH") or "/"
local cookie = os.getenv("BENCH_COOKIE")
local bearer = os.getenv("BENCH_BEARER")
-- BENCH_DATE_BASE: a different range per phase keeps earlier answers out of the stale cache.
local base = tonumber(os.getenv("BENCH_DATE_BASE") or "4102444800") -- 2100-01-01T00:00:00Z
local thread_count = 0
counter = 0

setup = function(thread)
  thread:set("offset", thread_count * 50000)
  thread_count = thread_count + 1
end

init = function(args)
  offset = offset or 0
  if cookie then wrk.headers["Cookie"] = cookie end
  if bearer then wrk.headers["Authorization"] = "Bearer " .. bearer end
  if mode == "post" then wrk.headers["Content-Type"] = "application/json" end
end

request = function()
  counter = counter + 1
  local day = os.date("!%Y-%m-%d", base + (offset + counter % 50000) * 86400)
  if mode == "post" then
    local body = '{"customer_code":"C0004935","seller_reference":null,"page":1,"page_size":20,'
      .. '"search":null,"status":null,"date_from":null,"date_to":"' .. day .. '"}'
    return wrk.format("POST", path, nil, body)
  end
  local sep = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. "date_to=" .. day)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,'
      .. '"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
