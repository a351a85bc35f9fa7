// The demo accounts of `serve --demo` (public, listed in the README; refused in production).
export const DEMO_ACCOUNTS = [
  { userCode: 'officer', password: 'Officer-demo-1405', label: 'Officer, not qualified (مسئول فنی)' },
  { userCode: 'officer.qualified', password: 'Officer-demo-1405', label: 'Officer, qualified (مسئول فنی واجد صلاحیت)' },
  { userCode: 'reviewer.tehran', password: 'Reviewer-demo-1405', label: 'Reviewer, Tehran UMS (کارشناس دانشگاه تهران)' },
  { userCode: 'reviewer.tabriz', password: 'Reviewer-demo-1405', label: 'Reviewer, Tabriz UMS (کارشناس دانشگاه تبریز)' },
  { userCode: 'distributor', password: 'Distributor-demo-1405', label: 'Distributor (توزیع کننده)' },
  { userCode: 'admin', password: 'Admin-demo-1405', label: 'Directorate admin (مدیر اداره کل)' },
];
