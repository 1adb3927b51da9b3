-- wrk script: POST a valid decision with a distinct consent ID and client time each time.
-- The runner writes the fixed part of the body (key, version, sha256, choices) into
-- CONSENT_TEMPLATE with the placeholders @ID@ and @TIME@; CONSENT_DELAY_MS (optional) paces
-- each connection for the runs at a fixed fraction of the maximum rate.
local template = os.getenv("CONSENT_TEMPLATE")
local path = os.getenv("CONSENT_PATH")
local origin = os.getenv("CONSENT_ORIGIN")
local pause = tonumber(os.getenv("CONSENT_DELAY_MS") or "0")
local prefix = os.getenv("CONSENT_PREFIX") or "b"
local counter = 0
local clock = 1767225600000 -- 2026-01-01, then one millisecond per request

function setup(thread)
  thread:set("tid", tostring(math.random(100000, 999999)))
end

function init(args)
  math.randomseed(os.time())
  tid = tid or tostring(math.random(100000, 999999))
end

function request()
  counter = counter + 1
  -- 22 base64url characters: prefix, thread id, counter
  local id = prefix .. tid .. string.format("%0" .. (22 - #prefix - #tid) .. "d", counter)
  local body = template:gsub("@ID@", id):gsub("@TIME@", tostring(clock + counter))
  return wrk.format("POST", path, {
    ["Content-Type"] = "text/plain;charset=UTF-8",
    ["Origin"] = origin,
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  }, body)
end

function delay()
  return pause
end
