-- wrk: each request takes the next of the registry's three public outputs in turn.
local paths = { "/", "/subprocessors.csv", "/api/v1/subprocessors" }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
