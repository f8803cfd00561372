from tests.renewals.helpers import load, renewal

Q = """query($list: RenewalList!) { renewals(list: $list, first: 10) { totalCount edges { node {
  id supportNumber status list amount { amount currency } locked multiYearEligible saveUpTo { amount }
  sharedWithCount lines { product amount { amount } } quoteTo { email } paymentMethodsOffered tssaRequired } } } }"""


async def test_smoke(api):
    await load(api, renewal("A-1", 60), renewal("A-2", 200), renewal("A-3", 10, quote_to="fin@acme.com"))
    data = await api.ok(Q, {"list": "PENDING"}, as_="tech@acme.com")
    print(data)
    assert data["renewals"]["totalCount"] == 1
