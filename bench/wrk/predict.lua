-- POST /v1/predict that stores, rotating over headlines. Environment:
--   HEADLINES  a file with one headline per line (bench/serve.sh writes it from Corpora/)
--   TOKEN      the API token
--   BATCH      headlines per request (default 1)
local bodies = {}

local function json_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ')
  return '"' .. s .. '"'
end

function init(args)
  local lines = {}
  for line in io.lines(os.getenv("HEADLINES")) do lines[#lines + 1] = json_string(line) end
  local batch = tonumber(os.getenv("BATCH") or "1")
  local at = 1
  -- 64 distinct bodies per thread, each `batch` consecutive headlines.
  for b = 1, 64 do
    local texts = {}
    for i = 1, batch do
      texts[i] = lines[at]
      at = at % #lines + 1
    end
    bodies[b] = '{"texts":[' .. table.concat(texts, ",") .. ']}'
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

local n = 0
function request()
  n = n % #bodies + 1
  return wrk.format(nil, "/v1/predict", nil, bodies[n])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
