// Templates: the common campaigns as a filled form, one click from "New campaign". Amounts are in
// minor units of EUR (the form shows them in currency units; change the currency and they stay
// the same figures). docs/console.md describes each.
const coffee = { ruleJson: '{"subject": "item.categories", "op": "contains", "value": "coffee"}' };
const spendAtLeast = (minor) => `{"subject": "order.amount", "op": "gte", "value": ${minor}}`;

export const TEMPLATES = [
  {
    id: "percent-off-minimum-spend",
    name: "Percent off with a minimum spend and a cap",
    summary: "15 % off orders from 50.00 EUR, at most 30.00 EUR off",
    campaign: { name: "15 % off from 50.00 EUR", type: "DISCOUNT_COUPONS", currency: "EUR",
      effect: { percentOffOrder: { percentBp: 1500, cap: "3000" } }, rulesJson: spendAtLeast(5000) },
  },
  {
    id: "amount-off",
    name: "Amount off the order",
    summary: "10.00 EUR off orders from 50.00 EUR",
    campaign: { name: "10.00 EUR off from 50.00 EUR", type: "DISCOUNT_COUPONS", currency: "EUR",
      effect: { amountOffOrder: { amount: "1000" } }, rulesJson: spendAtLeast(5000) },
  },
  {
    id: "buy-x-get-y",
    name: "Buy X, get Y",
    summary: "buy 2 coffees, get a third free (up to 3 times an order)",
    campaign: { name: "3 coffees for the price of 2", type: "PROMOTION", currency: "EUR",
      effect: { buyXGetY: { buyFilter: coffee, buyQuantity: "2", getFilter: coffee, getQuantity: "1", percentBp: 10000, maxRepeats: "3" } } },
  },
  {
    id: "free-shipping",
    name: "Free shipping",
    summary: "free shipping on orders from 40.00 EUR",
    campaign: { name: "Free shipping from 40.00 EUR", type: "PROMOTION", currency: "EUR",
      effect: { shipping: { free: true } }, rulesJson: spendAtLeast(4000) },
  },
  {
    id: "tiered-spend",
    name: "Tiered spend",
    summary: "5.00 EUR off from 50.00, 15.00 from 100.00, 40.00 from 200.00",
    campaign: { name: "Spend more, save more", type: "PROMOTION", currency: "EUR",
      effect: { tieredSpend: { tiers: [{ threshold: "5000", amount: "500" }, { threshold: "10000", amount: "1500" },
        { threshold: "20000", amount: "4000" }] } } },
  },
  {
    id: "gift-with-purchase",
    name: "Gift with purchase",
    summary: "a free mug (added to the cart) with orders from 60.00 EUR",
    campaign: { name: "A free mug from 60.00 EUR", type: "PROMOTION", currency: "EUR",
      effect: { freeUnits: { sku: "GIFT-MUG", quantity: "1", addMissingItem: true, unitPrice: "900" } },
      rulesJson: spendAtLeast(6000) },
  },
  {
    id: "first-order-welcome",
    name: "First-order welcome",
    summary: "10 % off a customer's first order, once per customer",
    campaign: { name: "Welcome: 10 % off your first order", type: "DISCOUNT_COUPONS", currency: "EUR",
      effect: { percentOffOrder: { percentBp: 1000 } },
      rulesJson: '{"subject": "customer.aggregates.orders_count", "op": "lt", "value": 1}',
      limits: { perCustomer: "1" } },
  },
  {
    id: "weekend-double-points",
    name: "Weekend double points",
    summary: "a loyalty program: 1 point per 1.00 EUR spent, 2 on Saturdays and Sundays (in the program's time zone)",
    campaign: { name: "Double points at weekends", type: "LOYALTY_PROGRAM", currency: "EUR",
      loyalty: { earningRules: [
        { id: "every-order", trigger: "EARN_ON_ORDER_PAID", points: "1", perAmount: "100" },
        // A second rule on the same orders, on weekends only: the points double.
        { id: "weekend-bonus", trigger: "EARN_ON_ORDER_PAID", points: "1", perAmount: "100", daysOfWeek: [6, 7] },
      ] } },
  },
];
