-- wrk script for bench/dashboard_load.sh: each wrk thread polls the
-- changes endpoint from the last version it was sent, as an open page does.
local version = tonumber(os.getenv("ECOPT_START_VERSION") or "0")

request = function()
  return wrk.format("GET", "/api/changes?name=load&since=" .. version)
end

response = function(status, headers, body)
  local seen = body and tonumber(string.match(body, '"version":(%d+)'))
  if seen and seen > version then version = seen end
end
