-- wrk script: one single-row predict request, the same body for both servers.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"rows":[{"tenure_months":8.1,"monthly_spend":87.79,"support_tickets":1,"plan":"plus","region":"west"}]}'
