-- GET /v1/predictions: filtered first pages, rotating over filters a review page sends. Environment: TOKEN.
local paths = {
  "/v1/predictions?label=negative&limit=50",
  "/v1/predictions?max_confidence=0.6&limit=50",
  "/v1/predictions?order=confidence-ascending&limit=50",
  "/v1/predictions?label=positive&min_confidence=0.9&limit=50",
  "/v1/predictions?corrected=false&limit=50",
  "/v1/predictions?model=default&label=neutral&limit=50",
}

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

local n = 0
function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
