-- wrk script: every request takes the next pre-built request of a list (one per token), so token
-- rotation costs the generator one table index. Args: <tokens file> [delay ms per request].
-- done() prints one JSON line the bench parses.
local requests, n, i, pause = {}, 0, 0, 0

function init(args)
  for token in io.lines(args[1]) do
    n = n + 1
    requests[n] = wrk.format('GET', nil, { ['Authorization'] = 'Bearer ' .. token })
  end
  -- Threads start at different places of the list.
  i = math.random(n) - 1
  pause = tonumber(args[2] or '0')
  if pause > 0 then
    function delay()
      return pause
    end
  end
end

function request()
  i = i % n + 1
  return requests[i]
end

function done(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
