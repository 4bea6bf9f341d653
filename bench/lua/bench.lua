-- wrk script of bench/run.py: a Bearer token, an optional JSON body, an optional pool of ids (one per
-- request, never repeated), and exact counts of every status, printed as one JSON line by done().
--
-- wrk -s bench.lua URL -- TOKEN METHOD PATH BODY_FILE IDS_FILE THREADS
--   TOKEN "-" for none; PATH may hold "{id}", replaced by the next id of IDS_FILE ("-" for none);
--   BODY_FILE "-" for none. Thread k of THREADS takes the ids k, k+THREADS, k+2*THREADS, ...

local threads = {}
local created = 0

function setup(thread)
   thread:set("index", created)
   created = created + 1
   table.insert(threads, thread)
end

function init(args)
   local token, method, path, body_file, ids_file = args[1], args[2], args[3], args[4], args[5]
   local nthreads = tonumber(args[6])
   if token ~= "-" then wrk.headers["Authorization"] = "Bearer " .. token end
   local body = nil
   if body_file ~= "-" then
      local f = assert(io.open(body_file, "rb"))
      body = f:read("*a")
      f:close()
      wrk.headers["Content-Type"] = "application/json"
   end
   statuses = {}
   exhausted = 0
   template, verb, payload = path, method, body
   if ids_file ~= "-" then
      ids, next_id = {}, 1
      local i = 0
      for line in io.lines(ids_file) do
         if i % nthreads == index then table.insert(ids, line) end
         i = i + 1
      end
   else
      prepared = wrk.format(method, path, nil, body)
   end
end

function request()
   if prepared then return prepared end
   local id = ids[next_id]
   if id == nil then
      -- Pool used up: repeat the last id (a 409 from then on), and say so in the result.
      id = ids[#ids] or "0"
      exhausted = exhausted + 1
   else
      next_id = next_id + 1
   end
   return wrk.format(verb, (string.gsub(template, "{id}", id)), nil, payload)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local totals, used_up = {}, 0
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + count
      end
      used_up = used_up + thread:get("exhausted")
   end
   local parts = {}
   for status, count in pairs(totals) do table.insert(parts, string.format('"%d": %d', status, count)) end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, "statuses": {%s}, ' ..
      '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "non_2xx_3xx": %d, ' ..
      '"pool_exhausted": %d, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d}}\n',
      summary.duration, summary.requests, summary.bytes, table.concat(parts, ", "),
      e.connect, e.read, e.write, e.timeout, e.status, used_up,
      latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
